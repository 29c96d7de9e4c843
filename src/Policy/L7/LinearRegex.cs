using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace CiliumL7.Policy.L7;

/// <summary>
/// The one place policy regexes are compiled: linear-time
/// (<see cref="RegexOptions.NonBacktracking"/>), culture-invariant, and shared.
/// A NonBacktracking regex costs about 1–3 ms and 150–400 KB to build, so each
/// distinct (pattern, options) is compiled once and every rule, peer, endpoint
/// and snapshot that names it holds the same immutable, thread-safe instance.
/// The cache holds them weakly (a regex no live rule uses is collected), plus
/// the most recently compiled ones strongly, so that a policy validated on
/// import finds its regexes again when it is resolved a moment later.
/// </summary>
internal static class LinearRegex
{
    private const int RecentCount = 256;

    private static readonly ConcurrentDictionary<(string Pattern, RegexOptions Options), WeakReference<Regex>> Cache = new();
    private static readonly Regex?[] Recent = new Regex?[RecentCount];
    private static int s_recentNext;
    private static int s_sweepAt = 1024;

    /// <summary>The compiled regex for <paramref name="pattern"/> (already anchored by the caller).</summary>
    public static Regex Compile(string pattern, RegexOptions extra)
    {
        var key = (pattern, extra);
        if (Cache.TryGetValue(key, out var weak) && weak.TryGetTarget(out var cached))
        {
            return cached;
        }
        var regex = new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant | extra);
        Cache[key] = new WeakReference<Regex>(regex);
        Recent[(int)((uint)Interlocked.Increment(ref s_recentNext) % RecentCount)] = regex;
        if (Cache.Count >= Volatile.Read(ref s_sweepAt))
        {
            Sweep();
        }
        return regex;
    }

    /// <summary>Wraps <paramref name="pattern"/> for a full match: <c>^(?:pattern)\z</c>.</summary>
    public static string Anchor(string pattern) => "^(?:" + pattern + @")\z";

    /// <summary>True when the regex of <paramref name="pattern"/> is cached and still alive (for tests).</summary>
    internal static bool IsAlive(string pattern, RegexOptions extra) =>
        Cache.TryGetValue((pattern, extra), out var weak) && weak.TryGetTarget(out _);

    // Drops entries whose regex was collected; the next sweep waits until the cache doubles.
    private static void Sweep()
    {
        foreach (var (key, weak) in Cache)
        {
            if (!weak.TryGetTarget(out _))
            {
                Cache.TryRemove(key, out _);
            }
        }
        Volatile.Write(ref s_sweepAt, Math.Max(1024, Cache.Count * 2));
    }
}
