namespace CiliumL7.Hubble.Metrics;

/// <summary>Up to four label values as a dictionary key, so lookups allocate nothing.</summary>
internal readonly record struct LabelKey(string A, string B, string C, string D)
{
    public string[] ToArray(int count)
    {
        var values = new string[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = i switch { 0 => A, 1 => B, 2 => C, _ => D };
        }
        return values;
    }
}
