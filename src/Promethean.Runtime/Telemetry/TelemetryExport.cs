using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Promethean.Runtime.Config;

namespace Promethean.Runtime.Telemetry;

/// <summary>Starts the OpenTelemetry SDK with an OTLP exporter for <see cref="PrometheanMetrics"/> when telemetry is enabled.</summary>
public static class TelemetryExport
{
    /// <summary>The meter provider to dispose at shutdown (it flushes), or null when telemetry is off.</summary>
    public static MeterProvider? Start(TelemetryConfig config)
    {
        if (!config.Enabled)
            return null;
        return Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(r => r.AddService(config.ServiceName))
            .AddMeter(PrometheanMetrics.MeterName)
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Endpoint = OtlpEndpoint(config);
                exporter.Protocol = config.Protocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)(config.ExportIntervalSeconds * 1000);
            })
            .Build();
    }

    /// <summary>For HTTP the SDK posts to the endpoint as given, so the signal path is added here.</summary>
    public static Uri OtlpEndpoint(TelemetryConfig config)
    {
        var uri = new Uri(config.OtlpEndpoint);
        if (config.Protocol == "grpc" || uri.AbsolutePath.EndsWith("/v1/metrics", StringComparison.Ordinal))
            return uri;
        return new Uri(uri, uri.AbsolutePath.TrimEnd('/') + "/v1/metrics");
    }
}
