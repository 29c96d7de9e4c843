namespace CiliumL7.Policy.L7;

/// <summary>
/// The rules of one <see cref="HttpRuleSet"/> that share a literal path prefix
/// (or have none), subdivided by the literal foot their path must end with
/// (<c>/t/[a-z]+/17</c> ends with <c>/17</c>), so that thousands of rules
/// behind one prefix are still found by a lookup per distinct foot length.
/// Every index list is ascending (policy order).
/// </summary>
internal sealed class HttpRuleBucket
{
    private static readonly Dictionary<string, int[]> NoFeet = new(StringComparer.Ordinal);

    public HttpRuleBucket(List<int> indexes, HttpRule[] rules)
    {
        var noFoot = new List<int>();
        Dictionary<string, List<int>>? byFoot = null;
        foreach (var index in indexes)
        {
            var foot = rules[index].PathFoot;
            if (foot.Length == 0)
            {
                noFoot.Add(index);
                continue;
            }
            byFoot ??= new Dictionary<string, List<int>>(StringComparer.Ordinal);
            if (!byFoot.TryGetValue(foot, out var list))
            {
                byFoot[foot] = list = [];
            }
            list.Add(index);
        }
        NoFoot = [.. noFoot];
        var frozen = NoFeet;
        var lengths = new SortedSet<int>();
        if (byFoot is not null)
        {
            frozen = new Dictionary<string, int[]>(byFoot.Count, StringComparer.Ordinal);
            foreach (var (foot, list) in byFoot)
            {
                frozen[foot] = [.. list];
                lengths.Add(foot.Length);
            }
        }
        ByFoot = frozen.GetAlternateLookup<ReadOnlySpan<char>>();
        FootLengths = [.. lengths];
    }

    /// <summary>Rules with no known foot: always candidates.</summary>
    public int[] NoFoot { get; }

    /// <summary>Rules by the literal their path ends with.</summary>
    public Dictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> ByFoot { get; }

    /// <summary>The distinct foot lengths, ascending.</summary>
    public int[] FootLengths { get; }
}
