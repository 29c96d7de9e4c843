using CiliumL7.Policy.L7;
using YamlDotNet.RepresentationModel;

namespace CiliumL7.Policy.Api.Reading;

/// <summary>Reads <c>rules</c> (http / dns / kafka) and checks every L7 field.</summary>
internal static class L7Reader
{
    private static readonly string[] Fields = ["http", "dns", "kafka", "l7proto", "l7"];
    private static readonly string[] HttpFields = ["path", "method", "host", "headers", "headerMatches"];
    private static readonly string[] HeaderMatchFields = ["name", "value", "secret", "mismatch"];
    private static readonly string[] MismatchActions = ["", "LOG", "ADD", "DELETE", "REPLACE"];
    private static readonly string[] DnsFields = ["matchName", "matchPattern"];
    private static readonly string[] KafkaFields = ["role", "apiKey", "apiVersion", "clientID", "topic"];
    private static readonly string[] Roles = ["produce", "consume"];
    private static readonly string[] GenericFields = ["l7proto", "l7"];
    private static readonly string[] KindFields = ["http", "dns", "kafka"];

    public static L7Rules? Read(DocumentContext ctx, YamlNode node, string path)
    {
        var f = YamlNodes.Mapping(ctx, node, path, Fields);
        if (f is null)
        {
            return null;
        }
        foreach (var generic in GenericFields)
        {
            if (f.TryGetValue(generic, out var g))
            {
                ctx.Error(g, path + "." + generic, null, "(generic L7 parsers) is not supported by CiliumL7; use http, dns or kafka.");
            }
        }
        var kinds = KindFields.Where(f.ContainsKey).ToList();
        if (kinds.Count > 1)
        {
            ctx.Error(f[kinds[1]], path + "." + kinds[1], null, "cannot be combined with " + kinds[0] + " in one port rule; one port speaks one L7 protocol.");
        }
        return new L7Rules
        {
            Http = f.TryGetValue("http", out var h) ? ReadList(ctx, h, path + ".http", ReadHttp) : null,
            Dns = f.TryGetValue("dns", out var d) ? ReadList(ctx, d, path + ".dns", ReadDns) : null,
            Kafka = f.TryGetValue("kafka", out var k) ? ReadList(ctx, k, path + ".kafka", ReadKafka) : null,
        };
    }

    private static IReadOnlyList<T> ReadList<T>(DocumentContext ctx, YamlNode node, string path, Func<DocumentContext, YamlNode, string, T?> read)
        where T : class
    {
        var list = new List<T>();
        var items = YamlNodes.Sequence(ctx, node, path);
        for (var i = 0; i < (items?.Count ?? 0); i++)
        {
            if (read(ctx, items![i], path + "[" + i + "]") is { } item)
            {
                list.Add(item);
            }
        }
        return list;
    }

    private static PortRuleHttp? ReadHttp(DocumentContext ctx, YamlNode node, string path)
    {
        var f = YamlNodes.Mapping(ctx, node, path, HttpFields);
        if (f is null)
        {
            return YamlNodes.IsNull(node) ? new PortRuleHttp() : null;
        }
        string? Pattern(string name)
        {
            if (!f.TryGetValue(name, out var n) || YamlNodes.Scalar(ctx, n, path + "." + name) is not { } text)
            {
                return null;
            }
            if (RegexCheck.Explain(text, ignoreCase: name == "host") is { } problem)
            {
                ctx.Error(n, path + "." + name, text, problem);
            }
            return text;
        }
        var headers = new List<string>();
        if (f.TryGetValue("headers", out var hn) && YamlNodes.Strings(ctx, hn, path + ".headers") is { } hs)
        {
            for (var i = 0; i < hs.Count; i++)
            {
                var text = hs[i].Value;
                var colon = text.IndexOf(':', StringComparison.Ordinal);
                var name = (colon < 0 ? text : text[..colon]).Trim();
                if (!NameRules.HeaderNameRegex().IsMatch(name))
                {
                    ctx.Error(hs[i].Node, path + ".headers[" + i + "]", text, "is not \"Name: value\" or \"Name\" with a valid header name.");
                    continue;
                }
                headers.Add(text);
            }
        }
        var matches = new List<HeaderMatch>();
        if (f.TryGetValue("headerMatches", out var hm) && YamlNodes.Sequence(ctx, hm, path + ".headerMatches") is { } items)
        {
            for (var i = 0; i < items.Count; i++)
            {
                if (ReadHeaderMatch(ctx, items[i], path + ".headerMatches[" + i + "]") is { } m)
                {
                    matches.Add(m);
                }
            }
        }
        return new PortRuleHttp
        {
            Path = Pattern("path"),
            Method = Pattern("method"),
            Host = Pattern("host"),
            Headers = f.ContainsKey("headers") ? headers : null,
            HeaderMatches = f.ContainsKey("headerMatches") ? matches : null,
        };
    }

    private static HeaderMatch? ReadHeaderMatch(DocumentContext ctx, YamlNode node, string path)
    {
        var f = YamlNodes.Mapping(ctx, node, path, HeaderMatchFields);
        if (f is null)
        {
            return null;
        }
        var name = f.TryGetValue("name", out var n) ? YamlNodes.Scalar(ctx, n, path + ".name") : null;
        if (string.IsNullOrEmpty(name) || !NameRules.HeaderNameRegex().IsMatch(name))
        {
            ctx.Error(n ?? node, path + ".name", name, name is null ? "is required." : "is not a valid header name.");
            name = null;
        }
        if (f.TryGetValue("secret", out var s))
        {
            ctx.Error(s, path + ".secret", null, "is not supported by CiliumL7 (no Kubernetes secret access); put the value in value.");
        }
        string? mismatch = null;
        if (f.TryGetValue("mismatch", out var mm) && (mismatch = YamlNodes.Scalar(ctx, mm, path + ".mismatch")) is not null && !MismatchActions.Contains(mismatch))
        {
            ctx.Error(mm, path + ".mismatch", mismatch, "is not a mismatch action; " + Suggestions.Hint(mismatch, MismatchActions[1..]) + " (empty = deny on mismatch).");
        }
        var value = f.TryGetValue("value", out var v) ? YamlNodes.Scalar(ctx, v, path + ".value") : null;
        return name is null ? null : new HeaderMatch { Name = name, Value = value, Mismatch = mismatch };
    }

    private static PortRuleDns? ReadDns(DocumentContext ctx, YamlNode node, string path)
    {
        var f = YamlNodes.Mapping(ctx, node, path, DnsFields);
        if (f is null)
        {
            return null;
        }
        var (name, pattern) = DnsNames.ReadNameOrPattern(ctx, node, path, f);
        return name is null && pattern is null ? null : new PortRuleDns { MatchName = name, MatchPattern = pattern };
    }

    private static PortRuleKafka? ReadKafka(DocumentContext ctx, YamlNode node, string path)
    {
        var f = YamlNodes.Mapping(ctx, node, path, KafkaFields);
        if (f is null)
        {
            return null;
        }
        string? Get(string name) => f.TryGetValue(name, out var n) ? YamlNodes.Scalar(ctx, n, path + "." + name) : null;
        var role = Get("role");
        var apiKey = Get("apiKey");
        var apiVersion = Get("apiVersion");
        var clientId = Get("clientID");
        var topic = Get("topic");
        if (role is not null && apiKey is not null)
        {
            ctx.Error(f["apiKey"], path + ".apiKey", null, "cannot be combined with role; use one of them.");
        }
        if (role is not null && !Roles.Contains(role, StringComparer.OrdinalIgnoreCase))
        {
            ctx.Error(f["role"], path + ".role", role, "is not a Kafka role; " + Suggestions.Hint(role, Roles));
        }
        if (apiKey is not null && !KafkaApiKeys.TryParse(apiKey, out _))
        {
            ctx.Error(f["apiKey"], path + ".apiKey", apiKey, "is not a Kafka API key; " + Suggestions.Hint(apiKey, KafkaApiKeys.ByName.Keys.ToList(), "API keys"));
        }
        if (apiVersion is not null && !short.TryParse(apiVersion, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
        {
            ctx.Error(f["apiVersion"], path + ".apiVersion", apiVersion, "is not an API version (a number 0-32767).");
        }
        if (topic is not null && (topic.Length > 255 || !NameRules.KafkaTopicRegex().IsMatch(topic)))
        {
            ctx.Error(f["topic"], path + ".topic", topic, "is not a Kafka topic: 1-255 characters from [a-zA-Z0-9._-].");
        }
        if (clientId is not null && clientId.Any(c => c < 0x20 || c > 0x7e))
        {
            ctx.Error(f["clientID"], path + ".clientID", clientId, "must be printable ASCII.");
        }
        return new PortRuleKafka { Role = role, ApiKey = apiKey, ApiVersion = apiVersion, ClientId = clientId, Topic = topic };
    }
}
