using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace CiliumL7.Policy.L7;

/// <summary>
/// The one place policy regexes are compiled: linear-time
/// (<see cref="RegexOptions.NonBacktracking"/>), culture-invariant, and shared.
/// A NonBacktracking regex costs about 1–3 ms and 150–400 KB to build, so each
/// distinct (pattern, options) is compiled once per process and every rule,
/// peer, endpoint and snapshot that names it holds the same immutable,
/// thread-safe instance.
/// </summary>
internal static class LinearRegex
{
    // Bounded so that policies churning through many distinct patterns cannot grow it forever.
    private const int MaxEntries = 100_000;

    private static readonly ConcurrentDictionary<(string Pattern, RegexOptions Options), Regex> Cache = new();

    /// <summary>The compiled regex for <paramref name="pattern"/> (already anchored by the caller).</summary>
    public static Regex Compile(string pattern, RegexOptions extra)
    {
        if (Cache.TryGetValue((pattern, extra), out var cached))
        {
            return cached;
        }
        if (Cache.Count >= MaxEntries)
        {
            Cache.Clear();
        }
        return Cache.GetOrAdd((pattern, extra), static k =>
            new Regex(k.Pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant | k.Options));
    }

    /// <summary>Wraps <paramref name="pattern"/> for a full match: <c>^(?:pattern)\z</c>.</summary>
    public static string Anchor(string pattern) => "^(?:" + pattern + @")\z";
}
