using YamlDotNet.RepresentationModel;

namespace CiliumL7.Policy.Api.Reading;

/// <summary>Reads and checks <c>matchName</c>/<c>matchPattern</c> pairs (DNS rules and toFQDNs).</summary>
internal static class DnsNames
{
    public static (string? Name, string? Pattern) ReadNameOrPattern(DocumentContext ctx, YamlNode node, string path, Dictionary<string, YamlNode> f)
    {
        var name = f.TryGetValue("matchName", out var n) ? YamlNodes.Scalar(ctx, n, path + ".matchName") : null;
        var pattern = f.TryGetValue("matchPattern", out var p) ? YamlNodes.Scalar(ctx, p, path + ".matchPattern") : null;
        if (name is not null && pattern is not null)
        {
            ctx.Error(p, path + ".matchPattern", null, "cannot be combined with matchName in one item; split them.");
            return (null, null);
        }
        if (string.IsNullOrEmpty(name) && string.IsNullOrEmpty(pattern))
        {
            ctx.Error(node, path, null, "needs matchName or matchPattern.");
            return (null, null);
        }
        if (name is not null && (name.Length > 255 || !NameRules.DnsNameRegex().IsMatch(name)))
        {
            ctx.Error(n, path + ".matchName", name, "is not a DNS name: at most 255 characters from [-a-zA-Z0-9_.] (use matchPattern for wildcards).");
            return (null, null);
        }
        if (pattern is not null && (pattern.Length > 255 || !NameRules.DnsPatternRegex().IsMatch(pattern)))
        {
            ctx.Error(p, path + ".matchPattern", pattern, "is not a DNS pattern: at most 255 characters from [-a-zA-Z0-9_.*].");
            return (null, null);
        }
        return (name, pattern);
    }
}
