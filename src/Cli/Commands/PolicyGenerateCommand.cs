using System.CommandLine;
using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Client;
using CiliumL7.Policy.Generation;
using CiliumL7.Policy.Identity;
using Google.Protobuf;
using Grpc.Core;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace CiliumL7.Cli;

/// <summary>
/// <c>ciliuml7 policy generate --from-flows [--server ADDR | --file FLOWS.json] [...]</c>:
/// least-privilege CiliumNetworkPolicies from observed Hubble flows (the logic is
/// <see cref="PolicyGenerator"/>). YAML goes to stdout, the <c>--verify</c> report
/// to stderr. Exit 0; 1 when reading flows fails or verification refuses an
/// observed flow; 2 for bad arguments.
/// </summary>
internal static class PolicyGenerateCommand
{
    public static Command Create()
    {
        var fromFlows = new Option<bool>("--from-flows") { Description = "Generate from observed flows (the only source today; required)" };
        var server = new Option<string?>("--server") { Description = "Read flows from this Hubble server (unix:///path or host:port; default the local agent)" };
        var file = new Option<string?>("--file") { Description = "Read flows from a file of Hubble JSON lines (ciliuml7 observe -o json, the export file); - for stdin" };
        var ns = new Option<string?>("--namespace", "-n") { Description = "Only generate policies for workloads of this namespace" };
        var toSelector = new Option<string?>("--to-selector") { Description = "Only generate policies for workloads with these labels, k=v,k=v" };
        var since = new Option<string?>("--since") { Description = "Only flows since this time: RFC 3339 or relative (1h, 30m)" };
        var l7 = new Option<bool>("--l7") { Description = "Also generate HTTP rules (methods, generalised paths), DNS rules and toFQDNs from L7 flows" };
        var direction = new Option<string>("--direction") { Description = "ingress, egress or both", DefaultValueFactory = _ => "both" };
        var output = new Option<string>("--output", "-o") { Description = "Output format: yaml", DefaultValueFactory = _ => "yaml" };
        var verify = new Option<bool>("--verify") { Description = "Replay every observed flow through policy trace against the generated policies (all must be ALLOWED) and try unobserved neighbours" };
        var command = new Command("generate", "Generate least-privilege CiliumNetworkPolicies from observed flows");
        foreach (var o in new Option[] { fromFlows, server, file, ns, toSelector, since, l7, direction, output, verify })
        {
            command.Options.Add(o);
        }
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var stdout = parseResult.InvocationConfiguration.Output;
            var stderr = parseResult.InvocationConfiguration.Error;
            if (!parseResult.GetValue(fromFlows))
            {
                await stderr.WriteLineAsync("policy generate: say where the policies come from: --from-flows (with --file FLOWS.json or --server ADDR).");
                return 2;
            }
            if (parseResult.GetValue(output) != "yaml")
            {
                await stderr.WriteLineAsync("policy generate: --output " + parseResult.GetValue(output) + " is not supported; use -o yaml.");
                return 2;
            }
            if (parseResult.GetValue(file) is not null && parseResult.GetValue(server) is not null)
            {
                await stderr.WriteLineAsync("policy generate: use either --file or --server, not both.");
                return 2;
            }
            var dir = parseResult.GetValue(direction);
            if (dir is not ("ingress" or "egress" or "both"))
            {
                await stderr.WriteLineAsync("policy generate: --direction must be ingress, egress or both (got \"" + dir + "\").");
                return 2;
            }
            DateTimeOffset? sinceTime = null;
            var selector = new List<Label>();
            try
            {
                if (parseResult.GetValue(since) is { } s)
                {
                    sinceTime = TimeArgument.Parse(s, DateTimeOffset.UtcNow);
                }
                foreach (var part in (parseResult.GetValue(toSelector) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (!part.Contains('=', StringComparison.Ordinal))
                    {
                        throw new FormatException("--to-selector: \"" + part + "\" is not key=value");
                    }
                    selector.Add(Label.Parse(part, Label.SourceAny));
                }
            }
            catch (FormatException e)
            {
                await stderr.WriteLineAsync("policy generate: " + e.Message);
                return 2;
            }
            var options = new GenerationOptions
            {
                Namespace = parseResult.GetValue(ns), Selector = selector, Since = sinceTime, L7 = parseResult.GetValue(l7),
                Ingress = dir != "egress", Egress = dir != "ingress",
            };
            IReadOnlyList<string> lines;
            string sourceName;
            if (parseResult.GetValue(file) is { } path)
            {
                sourceName = path;
                try
                {
                    lines = path == "-" ? ReadAll(Console.In) : await File.ReadAllLinesAsync(path, cancellationToken);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    await stderr.WriteLineAsync("policy generate: cannot read " + path + ": " + e.Message);
                    return 1;
                }
            }
            else
            {
                sourceName = parseResult.GetValue(server) ?? HubbleChannel.DefaultServer;
                var fetched = await FetchAsync(sourceName, sinceTime, stderr, cancellationToken);
                if (fetched is null)
                {
                    return 1;
                }
                lines = fetched;
            }
            return Run(lines, sourceName, options, parseResult.GetValue(verify), stdout, stderr);
        });
        return command;
    }

    /// <summary>Generates (and verifies) from Hubble JSON <paramref name="lines"/>.</summary>
    public static int Run(IReadOnlyList<string> lines, string sourceName, GenerationOptions options, bool verify, TextWriter stdout, TextWriter stderr)
    {
        var (flows, errors) = HubbleFlowReader.Read(lines, sourceName);
        if (errors.Count > 0)
        {
            foreach (var e in errors.Take(20))
            {
                stderr.WriteLine(e);
            }
            stderr.WriteLine("policy generate: " + errors.Count + " line(s) could not be read; nothing was generated.");
            return 1;
        }
        var result = PolicyGenerator.Generate(flows, options);
        foreach (var (why, count) in result.Skipped)
        {
            stderr.WriteLine("policy generate: skipped " + count + " flow(s): " + why);
        }
        if (result.Policies.Count == 0)
        {
            stderr.WriteLine("policy generate: no flow from or to a selected workload in " + flows.Count + " flow(s) read from " + sourceName
                + "; check --namespace/--to-selector/--since, or generate some traffic first (a policy must select an endpoint for its flows to be recorded, e.g. one imported with --audit).");
            return 1;
        }
        stdout.Write(result.Yaml);
        stderr.WriteLine("policy generate: " + result.Policies.Count + " policy(ies) from " + result.Used.Count + " flow(s) read from " + sourceName);
        if (!verify)
        {
            return 0;
        }
        var report = GeneratedPolicyVerifier.Verify(result, options);
        foreach (var line in report.Lines())
        {
            stderr.WriteLine(line);
        }
        return report.Ok ? 0 : 1;
    }

    private static List<string> ReadAll(TextReader reader)
    {
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }
        return lines;
    }

    private static async Task<List<string>?> FetchAsync(string server, DateTimeOffset? since, TextWriter stderr, CancellationToken cancellationToken)
    {
        var request = new GetFlowsRequest();
        if (since is { } s)
        {
            request.Since = Timestamp.FromDateTimeOffset(s);
        }
        var json = new JsonFormatter(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));
        var lines = new List<string>();
        try
        {
            using var channel = HubbleChannel.Create(server);
            var client = new Observer.ObserverClient(channel);
            using var call = client.GetFlows(request, cancellationToken: cancellationToken);
            while (await call.ResponseStream.MoveNext(cancellationToken))
            {
                if (call.ResponseStream.Current.Flow is { } flow && lines.Count < HubbleFlowReader.MaxLines)
                {
                    lines.Add("{\"flow\":" + json.Format(flow) + "}");
                }
            }
        }
        catch (RpcException e)
        {
            await stderr.WriteLineAsync(e.StatusCode == StatusCode.Unavailable
                ? $"policy generate: cannot reach Hubble at {server}: {e.Status.Detail} (is ciliuml7-agent running? use --server or --file)"
                : $"policy generate: {e.Status.Detail}");
            return null;
        }
        return lines;
    }
}
