namespace CiliumL7.Hubble.Filters;

/// <summary>One requirement of a <see cref="LabelSelector"/>.</summary>
internal sealed class LabelRequirement
{
    private enum Op { Exists, NotExists, In, NotIn }

    private readonly string? _source;
    private readonly string _key;
    private readonly Op _op;
    private readonly string[] _values;

    private LabelRequirement(string? source, string key, Op op, string[] values)
    {
        _source = source;
        _key = key;
        _op = op;
        _values = values;
    }

    public static LabelRequirement Parse(string text)
    {
        text = text.Trim();
        if (text.StartsWith('!'))
        {
            return Create(text[1..], Op.NotExists, []);
        }
        var notEq = text.IndexOf("!=", StringComparison.Ordinal);
        if (notEq > 0)
        {
            return Create(text[..notEq], Op.NotIn, [text[(notEq + 2)..].Trim()]);
        }
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq > 0)
        {
            var value = text[(eq + 1)..];
            if (value.StartsWith('='))
            {
                value = value[1..];
            }
            return Create(text[..eq], Op.In, [value.Trim()]);
        }
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0)
        {
            var key = text[..space];
            var rest = text[(space + 1)..].TrimStart();
            var op = rest.StartsWith("notin", StringComparison.Ordinal) ? Op.NotIn
                : rest.StartsWith("in", StringComparison.Ordinal) ? Op.In
                : throw new FormatException($"unknown operator in \"{text}\" (want =, ==, !=, in, notin)");
            var set = rest[(op == Op.NotIn ? 5 : 2)..].Trim();
            if (!set.StartsWith('(') || !set.EndsWith(')'))
            {
                throw new FormatException($"\"{text}\": values of in/notin go in parentheses, e.g. app in (a,b)");
            }
            var values = set[1..^1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            return Create(key, op, values);
        }
        return Create(text, Op.Exists, []);
    }

    public bool Matches(IList<string> labels)
    {
        var found = false;
        var valueMatched = false;
        foreach (var label in labels)
        {
            if (!TrySplit(label, out var source, out var key, out var value) || !string.Equals(key, _key, StringComparison.Ordinal))
            {
                continue;
            }
            if (_source is not null && _source != "any" && !string.Equals(source, _source, StringComparison.Ordinal))
            {
                continue;
            }
            found = true;
            if (Array.IndexOf(_values, value) >= 0)
            {
                valueMatched = true;
            }
        }
        return _op switch
        {
            Op.Exists => found,
            Op.NotExists => !found,
            Op.In => valueMatched,
            _ => !valueMatched,
        };
    }

    private static LabelRequirement Create(string key, Op op, string[] values)
    {
        key = key.Trim();
        string? source = null;
        var colon = key.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            source = key[..colon];
            key = key[(colon + 1)..];
        }
        if (key.Length == 0)
        {
            throw new FormatException("label selector requirement without a key");
        }
        return new LabelRequirement(source, key, op, values);
    }

    /// <summary>Splits "source:key=value" (source and value optional).</summary>
    private static bool TrySplit(string label, out string source, out string key, out string value)
    {
        var colon = label.IndexOf(':', StringComparison.Ordinal);
        var eq = label.IndexOf('=', StringComparison.Ordinal);
        if (colon >= 0 && (eq < 0 || colon < eq))
        {
            source = label[..colon];
            label = label[(colon + 1)..];
            eq = label.IndexOf('=', StringComparison.Ordinal);
        }
        else
        {
            source = string.Empty;
        }
        key = eq < 0 ? label : label[..eq];
        value = eq < 0 ? string.Empty : label[(eq + 1)..];
        return key.Length > 0;
    }
}
