namespace CiliumL7.Policy.Api.Reading;

/// <summary>"Did you mean" for misspelled field names and enum values (optimal string alignment distance).</summary>
internal static class Suggestions
{
    /// <summary>The closest candidate within a small edit distance, or null.</summary>
    public static string? Closest(string input, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        var limit = input.Length <= 4 ? 1 : input.Length <= 8 ? 2 : 3;
        foreach (var c in candidates)
        {
            var d = string.Equals(input, c, StringComparison.OrdinalIgnoreCase) ? 0 : Distance(input.ToLowerInvariant(), c.ToLowerInvariant());
            if (d < bestDistance)
            {
                bestDistance = d;
                best = c;
            }
        }
        return bestDistance <= limit ? best : null;
    }

    /// <summary>" did you mean "x"?" or " valid values: a, b, c." text to append to a message.</summary>
    public static string Hint(string input, IReadOnlyCollection<string> candidates, string noun = "valid values")
    {
        var closest = Closest(input, candidates);
        return closest is not null
            ? "did you mean " + DocumentContext.Quote(closest) + "?"
            : noun + ": " + string.Join(", ", candidates) + ".";
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
    }
}
