namespace Promethean.Runtime.Config;

/// <summary>OpenTelemetry export of the runtime's metrics (olympia, tick rate, queue depth). Off by default.</summary>
public sealed class TelemetryConfig
{
    public bool Enabled { get; set; }

    /// <summary>OTLP collector endpoint, e.g. <c>http://127.0.0.1:4318</c> for HTTP or <c>http://127.0.0.1:4317</c> for gRPC.</summary>
    public string OtlpEndpoint { get; set; } = "http://127.0.0.1:4318";

    /// <summary><c>http/protobuf</c> or <c>grpc</c>.</summary>
    public string Protocol { get; set; } = "http/protobuf";

    public double ExportIntervalSeconds { get; set; } = 15;

    /// <summary>Reported as the <c>service.name</c> resource attribute.</summary>
    public string ServiceName { get; set; } = "promethean";
}
