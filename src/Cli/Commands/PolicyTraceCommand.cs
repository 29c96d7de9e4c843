using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using CiliumL7.Policy.Api;
using CiliumL7.Policy.Identity;
using CiliumL7.Policy.L7;
using CiliumL7.Policy.Resolution;
using CiliumL7.Policy.Tracing;

namespace CiliumL7.Cli;

/// <summary>
/// <c>ciliuml7 policy trace FILE|DIR... --src k=v,... --dst k=v,... --dport N [...]</c>:
/// what the datapath and proxy would do with one request. The last line is
/// <c>verdict: ALLOWED</c>, <c>verdict: DROPPED</c> or <c>verdict: DENIED</c>.
/// Exit 0 for any verdict; 1 when the policies are invalid; 2 for bad arguments.
/// </summary>
internal static class PolicyTraceCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("paths") { Description = "Policy files or directories", Arity = ArgumentArity.OneOrMore };
        var src = new Option<string>("--src") { Description = "Source pod labels, k=v,k=v", Required = true };
        var srcNs = new Option<string>("--src-namespace") { Description = "Source namespace", DefaultValueFactory = _ => "default" };
        var dst = new Option<string?>("--dst") { Description = "Destination pod labels, k=v,k=v (or --dst-fqdn)" };
        var dstFqdn = new Option<string?>("--dst-fqdn") { Description = "Destination outside the cluster by name: an address an allowed DNS answer for NAME gave the source (toFQDNs)" };
        var dstNs = new Option<string>("--dst-namespace") { Description = "Destination namespace", DefaultValueFactory = _ => "default" };
        var dport = new Option<int>("--dport") { Description = "Destination port", Required = true };
        var protocol = new Option<string>("--protocol") { Description = "TCP or UDP", DefaultValueFactory = _ => "TCP" };
        var method = new Option<string?>("--http-method") { Description = "HTTP method" };
        var path = new Option<string?>("--http-path") { Description = "HTTP path (with ?query)" };
        var host = new Option<string?>("--http-host") { Description = "HTTP host" };
        var headers = new Option<string[]>("--http-header") { Description = "HTTP header 'Name: value' (repeatable)" };
        var dnsQuery = new Option<string?>("--dns-query") { Description = "DNS query name" };
        var kafkaKey = new Option<string?>("--kafka-api-key") { Description = "Kafka API key name or number" };
        var kafkaTopic = new Option<string[]>("--kafka-topic") { Description = "Kafka topic (repeatable)" };
        var kafkaClient = new Option<string?>("--kafka-client-id") { Description = "Kafka client id" };
        var kafkaVersion = new Option<short>("--kafka-api-version") { Description = "Kafka API version" };
        var output = new Option<string>("--output", "-o") { Description = "text or json", DefaultValueFactory = _ => "text" };
        var audit = new Option<bool>("--audit") { Description = "Trace the files as policy import --audit would put them in force: audited (ciliuml7.io/audit: \"true\"), not enforced" };

        var command = new Command("trace", "Trace a request from a pod with --src labels to a pod with --dst labels through the policies (egress of the source, ingress of the destination, L7)");
        command.Arguments.Add(paths);
        foreach (var o in new Option[] { src, srcNs, dst, dstFqdn, dstNs, dport, protocol, method, path, host, headers, dnsQuery, kafkaKey, kafkaTopic, kafkaClient, kafkaVersion, output, audit })
        {
            command.Options.Add(o);
        }
        command.SetAction(parseResult =>
        {
            var stdout = parseResult.InvocationConfiguration.Output;
            var stderr = parseResult.InvocationConfiguration.Error;
            var port = parseResult.GetValue(dport);
            if (port is < 1 or > 65535)
            {
                stderr.WriteLine("--dport must be 1-65535");
                return 2;
            }
            if (!Protocols.TryParse(parseResult.GetValue(protocol) ?? "TCP", out var proto) || proto is not (Protocols.Tcp or Protocols.Udp or Protocols.Sctp))
            {
                stderr.WriteLine("--protocol must be TCP, UDP or SCTP");
                return 2;
            }
            TraceKafkaRequest? kafka = null;
            if (parseResult.GetValue(kafkaKey) is { } keyText)
            {
                if (!KafkaApiKeys.TryParse(keyText, out var key))
                {
                    stderr.WriteLine("--kafka-api-key: unknown API key " + keyText);
                    return 2;
                }
                kafka = new TraceKafkaRequest(key, parseResult.GetValue(kafkaVersion), parseResult.GetValue(kafkaClient), parseResult.GetValue(kafkaTopic) ?? []);
            }
            var m = parseResult.GetValue(method);
            var p = parseResult.GetValue(path);
            var h = parseResult.GetValue(host);
            var hs = parseResult.GetValue(headers) ?? [];
            TraceHttpRequest? http = m is null && p is null && h is null && hs.Length == 0 ? null : new TraceHttpRequest(m ?? "GET", p ?? "/", h, hs);
            LabelSet srcLabels, dstLabels;
            var fqdn = parseResult.GetValue(dstFqdn);
            if ((fqdn is null) == (parseResult.GetValue(dst) is null))
            {
                stderr.WriteLine("give exactly one destination: --dst k=v,... (a pod) or --dst-fqdn NAME (an address learned from a DNS answer)");
                return 2;
            }
            try
            {
                srcLabels = ParseLabels(parseResult.GetValue(src)!, parseResult.GetValue(srcNs) ?? "default");
                dstLabels = fqdn is null ? ParseLabels(parseResult.GetValue(dst)!, parseResult.GetValue(dstNs) ?? "default") : LabelSet.Empty;
            }
            catch (FormatException ex)
            {
                stderr.WriteLine(ex.Message);
                return 2;
            }
            var request = new TraceRequest
            {
                Source = srcLabels, Destination = dstLabels, DestinationFqdn = fqdn, Port = (ushort)port, Protocol = proto,
                Http = http, DnsQuery = parseResult.GetValue(dnsQuery), Kafka = kafka,
            };
            return Run(parseResult.GetValue(paths) ?? [], request, parseResult.GetValue(output) == "json", stdout, stderr, parseResult.GetValue(audit));
        });
        return command;
    }

    public static int Run(IReadOnlyList<string> paths, TraceRequest request, bool json, TextWriter stdout, TextWriter stderr, bool audit = false)
    {
        var parsed = PolicyParser.ParsePaths(paths);
        if (!parsed.IsValid)
        {
            foreach (var e in parsed.Errors)
            {
                stderr.WriteLine(e.ToString());
            }
            stderr.WriteLine("the policies are invalid; fix them before tracing (ciliuml7 policy validate).");
            return 1;
        }
        IReadOnlyList<PolicyResource> resources = audit ? [.. parsed.Resources.Select(r => r with { Audit = true })] : parsed.Resources;
        var result = PolicyTracer.Trace(resources, request);
        if (json)
        {
            stdout.WriteLine(ToJson(request, result).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        stdout.WriteLine($"Tracing {Protocols.Name(request.Protocol)} to port {request.Port}");
        stdout.WriteLine($"  from {request.Source} (identity {result.SourceIdentity})");
        stdout.WriteLine(request.DestinationFqdn is { } name
            ? $"  to   an address learned for {name} (toFQDNs; identity {result.DestinationIdentity})"
            : $"  to   {request.Destination} (identity {result.DestinationIdentity})");
        foreach (var line in result.Egress.Lines)
        {
            stdout.WriteLine(line);
        }
        foreach (var line in result.Ingress?.Lines ?? [])
        {
            stdout.WriteLine(line);
        }
        stdout.WriteLine(result.VerdictLine);
        return 0;
    }

    internal static LabelSet ParseLabels(string text, string @namespace)
    {
        var labels = new List<Label> { Label.K8s(Label.NamespaceKey, @namespace) };
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!part.Contains('=', StringComparison.Ordinal) && !part.StartsWith("reserved:", StringComparison.Ordinal))
            {
                throw new FormatException("label " + part + " is not key=value");
            }
            labels.Add(Label.Parse(part));
        }
        return SecurityLabels.Filter(labels);
    }

    private static JsonObject ToJson(TraceRequest request, TraceResult result)
    {
        static JsonObject Step(TraceStep s) => new()
        {
            ["direction"] = s.Direction.ToString().ToUpperInvariant(),
            ["enforced"] = s.Enforced,
            ["selectedBy"] = new JsonArray([.. s.SelectedBy.Select(n => (JsonNode)JsonValue.Create(n))]),
            ["action"] = s.Entry?.Action.ToString().ToUpperInvariant(),
            ["policy"] = s.Entry?.PolicyName,
            ["rule"] = s.Entry?.RulePath,
            ["l7"] = s.Parser == L7Parser.None ? null : new JsonObject
            {
                ["parser"] = s.Parser.ToString().ToUpperInvariant(),
                ["allowed"] = s.L7Allowed,
                ["policy"] = s.L7PolicyName,
                ["rule"] = s.L7RulePath,
            },
            ["verdict"] = s.Verdict.ToString().ToUpperInvariant(),
            ["explanation"] = new JsonArray([.. s.Lines.Select(l => (JsonNode)JsonValue.Create(l.Trim()))]),
        };
        return new JsonObject
        {
            ["source"] = new JsonObject { ["labels"] = request.Source.ToString(), ["identity"] = result.SourceIdentity },
            ["destination"] = new JsonObject { ["labels"] = request.Destination.ToString(), ["identity"] = result.DestinationIdentity },
            ["protocol"] = Protocols.Name(request.Protocol),
            ["port"] = request.Port,
            ["egress"] = Step(result.Egress),
            ["ingress"] = result.Ingress is null ? null : Step(result.Ingress),
            ["verdict"] = result.Verdict.ToString().ToUpperInvariant(),
        };
    }
}
