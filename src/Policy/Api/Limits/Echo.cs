namespace CiliumL7.Policy.Api.Limits;

/// <summary>
/// Cuts untrusted values before they are echoed into a message: a 20 MB value
/// must not become a 20 MB log line (or 20 MB held per rejected import).
/// </summary>
public static class Echo
{
    /// <summary>
    /// <paramref name="value"/> itself when short; otherwise its first
    /// <paramref name="max"/> characters, "…" and the full length, e.g.
    /// <c>aaaa… (20971520 chars)</c>.
    /// </summary>
    public static string Truncate(string value, int max = InputLimits.MaxEchoedChars)
    {
        if (value.Length <= max)
        {
            return value;
        }
        var cut = max;
        if (char.IsHighSurrogate(value[cut - 1]))
        {
            cut--;
        }
        return string.Concat(value.AsSpan(0, cut), "… (", value.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), " chars)");
    }
}
