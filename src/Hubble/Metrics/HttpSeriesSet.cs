using CiliumL7.Hubble.Api;

namespace CiliumL7.Hubble.Metrics;

/// <summary>The metric children one HTTP flow increments, for one label combination (<see cref="FlowMetrics.ObserveHttp"/>).</summary>
internal sealed record HttpSeriesSet(Verdict Verdict, TrafficDirection Direction, string Method, string Protocol, uint Code,
    Counter Processed, Counter? Drops, Counter? PolicyVerdicts, Counter? Requests, Histogram? Duration)
{
    public bool Matches(Verdict verdict, TrafficDirection direction, string method, string protocol, uint code)
        => verdict == Verdict && direction == Direction && code == Code
            && (ReferenceEquals(method, Method) || string.Equals(method, Method, StringComparison.Ordinal))
            && (ReferenceEquals(protocol, Protocol) || string.Equals(protocol, Protocol, StringComparison.Ordinal));
}
