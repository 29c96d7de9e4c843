namespace CiliumL7.Hubble.Metrics;

/// <summary>A monotonically increasing count (one label set of a <see cref="CounterFamily"/>).</summary>
public sealed class Counter
{
    private long _value;

    /// <summary>Current value.</summary>
    public long Value => Volatile.Read(ref _value);

    /// <summary>Adds <paramref name="amount"/> (default 1).</summary>
    public void Inc(long amount = 1) => Interlocked.Add(ref _value, amount);
}
