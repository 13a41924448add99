using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Promethean.Runtime.Config;
using Promethean.Runtime.Telemetry;

namespace Promethean.Inspector.Tests;

/// <summary>Olympia metrics, tick rate and queue depth leave through OpenTelemetry: the in-memory exporter and a real OTLP/HTTP export to a loopback receiver.</summary>
[Collection(nameof(TelemetryTests))]
public sealed class TelemetryTests
{
    [Fact]
    public async Task InMemoryExporter_AfterModelReply_SeesOlympiaTickAndQueueMetrics()
    {
        await using var run = await InspectorRun.StartAsync(serve: false);
        var exported = new List<Metric>();
        using var metrics = new PrometheanMetrics(run.Engine, TimeProvider.System);
        using var provider = Sdk.CreateMeterProviderBuilder().AddMeter(PrometheanMetrics.MeterName).AddInMemoryExporter(exported).Build();

        await run.AdvanceAsync(6);
        provider.ForceFlush().ShouldBeTrue();

        var points = Points(exported);
        points.ShouldContainKey("promethean.tick");
        points["promethean.tick"].ShouldContain(p => p.Value == run.Engine.World.Tick);
        points.ShouldContainKey("promethean.tick.rate");
        points.ShouldContainKey("promethean.inbound.depth");
        points["promethean.session.queue.length"].ShouldContain(p => p.Tags == "session=c3-symbolic" && p.Value > 0);
        points["promethean.llm.latency.p50"].ShouldContain(p => p.Tags == "model=builtin,session=c3-symbolic" && p.Value == 180);
        points["promethean.llm.latency.p95"].ShouldContain(p => p.Tags == "model=builtin,session=c3-symbolic" && p.Value == 180);
        points["promethean.llm.tokens.prompt"].ShouldContain(p => p.Value == 930);
        points["promethean.llm.calls"].ShouldContain(p => p.Value == 1);
        points.ShouldContainKey("promethean.llm.silence.ratio");
        points.ShouldContainKey("promethean.tool.errors");
        points.ShouldContainKey("promethean.sentinel.first_try_pass_rate");
        points.ShouldContainKey("promethean.ingest.dedupe_ratio");
    }

    [Fact]
    public async Task InMemoryExporter_PricedModel_ExportsCostPerSessionAndModel()
    {
        await using var run = await InspectorRun.StartAsync(serve: false, prices: new ModelPrice { InputPerMillion = 2, OutputPerMillion = 10 });
        var exported = new List<Metric>();
        using var metrics = new PrometheanMetrics(run.Engine, TimeProvider.System);
        using var provider = Sdk.CreateMeterProviderBuilder().AddMeter(PrometheanMetrics.MeterName).AddInMemoryExporter(exported).Build();

        await run.AdvanceAsync(6);
        provider.ForceFlush().ShouldBeTrue();

        // One reply of 930 prompt and 42 completion tokens: 930 x $2/M + 42 x $10/M.
        var cost = Points(exported)["promethean.llm.cost"].ShouldHaveSingleItem();
        cost.Tags.ShouldBe("model=builtin,session=c3-symbolic");
        cost.Value.ShouldBe(0.00228, 1e-9);
    }

    [Fact]
    public async Task InMemoryExporter_NoPrices_ExportsNoCost()
    {
        await using var run = await InspectorRun.StartAsync(serve: false);
        var exported = new List<Metric>();
        using var metrics = new PrometheanMetrics(run.Engine, TimeProvider.System);
        using var provider = Sdk.CreateMeterProviderBuilder().AddMeter(PrometheanMetrics.MeterName).AddInMemoryExporter(exported).Build();

        await run.AdvanceAsync(6);
        provider.ForceFlush().ShouldBeTrue();

        Points(exported).ShouldContainKey("promethean.llm.calls");
        (Points(exported).GetValueOrDefault("promethean.llm.cost") ?? []).ShouldBeEmpty();
    }

    [Fact]
    public async Task OtlpExporter_Configured_PostsMetricsToTheCollector()
    {
        var bodies = new ConcurrentQueue<byte[]>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var collector = builder.Build();
        collector.MapPost("/v1/metrics", async (HttpContext http) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            bodies.Enqueue(body.ToArray());
            return Results.Ok();
        });
        await collector.StartAsync();
        var address = collector.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        await using var run = await InspectorRun.StartAsync(serve: false);
        using var metrics = new PrometheanMetrics(run.Engine, TimeProvider.System);
        var config = new TelemetryConfig { Enabled = true, OtlpEndpoint = address, ExportIntervalSeconds = 3600 };
        using (var provider = TelemetryExport.Start(config).ShouldNotBeNull())
        {
            await run.AdvanceAsync(6);
            provider.ForceFlush().ShouldBeTrue();
        }

        var all = Encoding.UTF8.GetString([.. bodies.SelectMany(b => b)]);
        all.ShouldContain("promethean.llm.latency.p95");
        all.ShouldContain("promethean.tick.rate");
        all.ShouldContain("c3-symbolic");
        all.ShouldContain("promethean");
    }

    [Fact]
    public void Start_Disabled_ReturnsNoProvider() => TelemetryExport.Start(new TelemetryConfig()).ShouldBeNull();

    [Fact]
    public void OtlpEndpoint_HttpBase_GetsTheMetricsPath()
    {
        TelemetryExport.OtlpEndpoint(new TelemetryConfig { OtlpEndpoint = "http://127.0.0.1:4318" }).ToString().ShouldBe("http://127.0.0.1:4318/v1/metrics");
        TelemetryExport.OtlpEndpoint(new TelemetryConfig { OtlpEndpoint = "http://c:4318/v1/metrics" }).ToString().ShouldBe("http://c:4318/v1/metrics");
        TelemetryExport.OtlpEndpoint(new TelemetryConfig { OtlpEndpoint = "http://c:4317", Protocol = "grpc" }).ToString().ShouldBe("http://c:4317/");
    }

    private static Dictionary<string, List<(string Tags, double Value)>> Points(List<Metric> exported)
    {
        var result = new Dictionary<string, List<(string, double)>>(StringComparer.Ordinal);
        foreach (var metric in exported)
        {
            var list = result.TryGetValue(metric.Name, out var l) ? l : result[metric.Name] = [];
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                var tags = new List<string>();
                foreach (var tag in point.Tags)
                    tags.Add($"{tag.Key}={tag.Value}");
                tags.Sort(StringComparer.Ordinal);
                double value = metric.MetricType switch
                {
                    MetricType.LongGauge => point.GetGaugeLastValueLong(),
                    MetricType.DoubleGauge => point.GetGaugeLastValueDouble(),
                    MetricType.LongSum or MetricType.LongSumNonMonotonic => point.GetSumLong(),
                    MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic => point.GetSumDouble(),
                    _ => double.NaN,
                };
                list.Add((string.Join(",", tags), value));
            }
        }
        return result;
    }
}
