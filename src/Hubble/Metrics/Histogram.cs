namespace CiliumL7.Hubble.Metrics;

/// <summary>Observations sorted into cumulative buckets (one label set of a <see cref="HistogramFamily"/>).</summary>
public sealed class Histogram
{
    private readonly double[] _bounds;
    private readonly long[] _counts;
    private readonly Lock _sumLock = new();
    private double _sum;
    private long _count;

    internal Histogram(double[] bounds)
    {
        _bounds = bounds;
        _counts = new long[bounds.Length];
    }

    /// <summary>Number of observations.</summary>
    public long Count => Volatile.Read(ref _count);

    /// <summary>Sum of observations.</summary>
    public double Sum
    {
        get
        {
            lock (_sumLock)
            {
                return _sum;
            }
        }
    }

    /// <summary>Records one observation.</summary>
    public void Observe(double value)
    {
        var i = 0;
        while (i < _bounds.Length && value > _bounds[i])
        {
            i++;
        }
        if (i < _counts.Length)
        {
            Interlocked.Increment(ref _counts[i]);
        }
        lock (_sumLock)
        {
            _sum += value;
        }
        Interlocked.Increment(ref _count);
    }

    /// <summary>Cumulative count of observations ≤ bound number <paramref name="index"/>.</summary>
    internal long CumulativeCount(int index)
    {
        long total = 0;
        for (var i = 0; i <= index; i++)
        {
            total += Volatile.Read(ref _counts[i]);
        }
        return total;
    }
}
