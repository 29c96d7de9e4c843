using System.Text.RegularExpressions;

namespace CiliumL7.Connectivity.Suites;

/// <summary>
/// cilium-cli's <c>--test</c>: each value is a regular expression a test name must match
/// (any of them), or <c>!REGEX</c> that excludes the tests it matches. No value selects all.
/// </summary>
public sealed class TestSelector
{
    private readonly Regex[] _include;
    private readonly Regex[] _exclude;

    private TestSelector(Regex[] include, Regex[] exclude)
    {
        _include = include;
        _exclude = exclude;
    }

    /// <summary>Parses the <c>--test</c> values; throws <see cref="ArgumentException"/> naming a bad expression.</summary>
    public static TestSelector Parse(IEnumerable<string> values)
    {
        var include = new List<Regex>();
        var exclude = new List<Regex>();
        foreach (var raw in values)
        {
            foreach (var value in raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var negated = value.StartsWith('!');
                var pattern = negated ? value[1..] : value;
                Regex regex;
                try
                {
                    regex = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                }
                catch (ArgumentException e)
                {
                    throw new ArgumentException($"--test \"{value}\": not a valid regular expression ({e.Message}); use e.g. --test 'l7' or --test '!world'", e);
                }
                (negated ? exclude : include).Add(regex);
            }
        }
        return new TestSelector([.. include], [.. exclude]);
    }

    /// <summary>True when <paramref name="name"/> is selected.</summary>
    public bool Matches(string name)
    {
        if (_include.Length > 0 && !_include.Any(r => r.IsMatch(name)))
        {
            return false;
        }
        return !_exclude.Any(r => r.IsMatch(name));
    }
}
