namespace Promethean.Core.Events;

/// <summary>Someone asked for a janitor report now (<c>promethean janitor report</c>), besides the hourly timer.</summary>
[TypeName("janitor/report.requested")]
public sealed record JanitorReportRequested(string By) : Event;
