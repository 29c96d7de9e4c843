namespace CiliumL7.Hubble.Metrics;

/// <summary>A value that goes up and down (one label set of a <see cref="GaugeFamily"/>).</summary>
public sealed class Gauge
{
    private long _bits;

    /// <summary>Current value.</summary>
    public double Value => BitConverter.Int64BitsToDouble(Volatile.Read(ref _bits));

    /// <summary>Sets the value.</summary>
    public void Set(double value) => Volatile.Write(ref _bits, BitConverter.DoubleToInt64Bits(value));

    /// <summary>Adds <paramref name="amount"/> (negative to decrease).</summary>
    public void Add(double amount)
    {
        var current = Volatile.Read(ref _bits);
        while (true)
        {
            var next = BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(current) + amount);
            var seen = Interlocked.CompareExchange(ref _bits, next, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }
}
