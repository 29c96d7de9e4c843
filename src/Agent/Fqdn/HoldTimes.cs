using System.Diagnostics;

namespace CiliumL7.Agent.Fqdn;

/// <summary>
/// The last <see cref="Capacity"/> answer-hold times (how long <c>LearnAsync</c> took
/// when it had to write the datapath), for <c>status</c>: p50, p99, max.
/// </summary>
internal sealed class HoldTimes
{
    public const int Capacity = 4096;

    private readonly double[] _ms = new double[Capacity];
    private readonly Lock _lock = new();
    private long _count;

    /// <summary>
    /// Also given every hold time, in seconds (the agent's
    /// <c>ciliuml7_fqdn_answer_hold_seconds</c> histogram, whose buckets a scraper can subtract
    /// between two scrapes to get the distribution of one period).
    /// </summary>
    public Action<double>? Observer { get; set; }

    public void Record(long startTimestamp)
    {
        var ms = Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;
        lock (_lock)
        {
            _ms[_count % Capacity] = ms;
            _count++;
        }
        Observer?.Invoke(ms / 1000);
    }

    /// <summary>Count since start, and p50/p99/max over the last <see cref="Capacity"/> (ms).</summary>
    public (long Count, double P50, double P99, double Max) Snapshot()
    {
        double[] copy;
        long count;
        lock (_lock)
        {
            count = _count;
            copy = _ms[..(int)Math.Min(count, Capacity)];
        }
        if (copy.Length == 0)
        {
            return (0, 0, 0, 0);
        }
        Array.Sort(copy);
        return (count, copy[(copy.Length - 1) / 2], copy[(int)Math.Ceiling(copy.Length * 0.99) - 1], copy[^1]);
    }
}
