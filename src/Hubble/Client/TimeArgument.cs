using System.Globalization;

namespace CiliumL7.Hubble.Client;

/// <summary>
/// Parses <c>--since/--until</c> values like hubble: an RFC 3339 time
/// ("2026-04-05T21:03:15Z"), a date ("2026-04-05"), or a duration before now
/// in Go syntax ("5m", "1h30m", "90s", "1.5h", "250ms").
/// </summary>
public static class TimeArgument
{
    /// <summary>Parses <paramref name="text"/> relative to <paramref name="now"/>.</summary>
    public static DateTimeOffset Parse(string text, DateTimeOffset now)
    {
        if (TryParseDuration(text, out var duration))
        {
            return now - duration;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }
        throw new FormatException($"\"{text}\" is neither an RFC 3339 time (2006-01-02T15:04:05Z) nor a duration (5m, 1h30m)");
    }

    /// <summary>Parses a Go-style duration (units ns, us, µs, ms, s, m, h).</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var span = text.AsSpan().Trim();
        if (span.IsEmpty)
        {
            return false;
        }
        double totalTicks = 0;
        while (!span.IsEmpty)
        {
            var n = 0;
            while (n < span.Length && (char.IsAsciiDigit(span[n]) || span[n] == '.'))
            {
                n++;
            }
            if (n == 0 || !double.TryParse(span[..n], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }
            span = span[n..];
            var u = 0;
            while (u < span.Length && !char.IsAsciiDigit(span[u]) && span[u] != '.')
            {
                u++;
            }
            double ticksPerUnit = span[..u] switch
            {
                "ns" => 0.01,
                "us" or "µs" => 10,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                "h" => TimeSpan.TicksPerHour,
                _ => -1,
            };
            if (ticksPerUnit < 0)
            {
                return false;
            }
            totalTicks += value * ticksPerUnit;
            span = span[u..];
        }
        duration = TimeSpan.FromTicks((long)totalTicks);
        return true;
    }
}
