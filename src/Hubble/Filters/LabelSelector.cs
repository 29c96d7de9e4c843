namespace CiliumL7.Hubble.Filters;

/// <summary>
/// A Kubernetes-style label selector over Cilium labels ("k8s:app=foo"):
/// comma-separated requirements <c>key=v</c>, <c>key==v</c>, <c>key!=v</c>,
/// <c>key</c>, <c>!key</c>, <c>key in (a,b)</c>, <c>key notin (a,b)</c>, all of
/// which must hold. A key may carry a source (<c>k8s:app</c>); without one it
/// matches a label of any source.
/// </summary>
internal sealed class LabelSelector
{
    private readonly LabelRequirement[] _requirements;

    private LabelSelector(LabelRequirement[] requirements) => _requirements = requirements;

    public static LabelSelector Parse(string selector)
    {
        var parts = SplitTopLevel(selector);
        if (parts.Count == 0)
        {
            throw new FormatException("empty label selector");
        }
        var requirements = new LabelRequirement[parts.Count];
        for (var i = 0; i < parts.Count; i++)
        {
            requirements[i] = LabelRequirement.Parse(parts[i]);
        }
        return new LabelSelector(requirements);
    }

    public bool Matches(IList<string> labels)
    {
        foreach (var r in _requirements)
        {
            if (!r.Matches(labels))
            {
                return false;
            }
        }
        return true;
    }

    private static List<string> SplitTopLevel(string selector)
    {
        var parts = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < selector.Length; i++)
        {
            switch (selector[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    AddPart(parts, selector[start..i]);
                    start = i + 1;
                    break;
            }
        }
        AddPart(parts, selector[start..]);
        return parts;
    }

    private static void AddPart(List<string> parts, string part)
    {
        part = part.Trim();
        if (part.Length > 0)
        {
            parts.Add(part);
        }
    }
}
