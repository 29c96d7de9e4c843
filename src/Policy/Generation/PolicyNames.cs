using System.Text;
using CiliumL7.Policy.Identity;

namespace CiliumL7.Policy.Generation;

/// <summary>Names a generated policy after its workload: <c>app</c>-like labels first, else every label value.</summary>
internal static class PolicyNames
{
    private static readonly string[] NameKeys = ["app.kubernetes.io/name", "app", "k8s-app", "name", "class"];

    public static string For(LabelSet labels, string @namespace, HashSet<string> taken)
    {
        string? basis = null;
        foreach (var key in NameKeys)
        {
            if (labels.TryGetValue(Label.SourceK8s, key, out var v) && v.Length > 0)
            {
                basis = v;
                break;
            }
        }
        basis ??= string.Join("-", labels.Where(l => l.Key != Label.NamespaceKey && l.Value.Length > 0).Select(l => l.Value));
        var name = Sanitise(basis.Length == 0 ? "workload" : basis);
        if (name.Length > 50)
        {
            name = name[..50].TrimEnd('-');
        }
        name += "-generated";
        var unique = name;
        for (var i = 2; !taken.Add(@namespace + "/" + unique); i++)
        {
            unique = name + "-" + i;
        }
        return unique;
    }

    private static string Sanitise(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) ? c : '-');
        }
        return sb.ToString().Trim('-');
    }
}
