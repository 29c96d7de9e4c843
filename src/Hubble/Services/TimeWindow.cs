using CiliumL7.Hubble.Api;

namespace CiliumL7.Hubble.Services;

/// <summary>The since/until bounds of a GetFlows request (inclusive; null = open).</summary>
internal readonly record struct TimeWindow(DateTimeOffset? Since, DateTimeOffset? Until)
{
    public bool Contains(Flow flow)
    {
        if (Since is null && Until is null)
        {
            return true;
        }
        var t = Time(flow);
        return (Since is not { } s || t >= s) && (Until is not { } u || t <= u);
    }

    /// <summary>True when the flow is newer than until (the stream can end).</summary>
    public bool IsAfter(Flow flow) => Until is { } u && Time(flow) > u;

    /// <summary>True when the flow is older than since (a backward scan can stop).</summary>
    public bool IsBefore(Flow flow) => Since is { } s && Time(flow) < s;

    private static DateTimeOffset Time(Flow flow) => flow.Time?.ToDateTimeOffset() ?? DateTimeOffset.MinValue;
}
