using System.CommandLine;
using System.CommandLine.Parsing;
using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Client;
using CiliumL7.Hubble.Printer;
using Google.Protobuf;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using Grpc.Core;

namespace CiliumL7.Cli;

/// <summary>
/// <c>ciliuml7 observe</c>: hubble observe against the node's Hubble socket.
/// Same flag repeated = OR, different flags = AND, <c>--not</c> negates the
/// next filter flag; filters are built like hubble's CLI builds them.
/// </summary>
internal static class ObserveCommand
{
    private const ulong DefaultLast = 20;

    public static Command Create()
    {
        var command = new Command("observe", "Observe flows of this node, or of every node through Hubble Relay (--server 127.0.0.1:4245) (hubble observe)");
        var last = new Option<ulong?>("--last") { Description = "Get the last N flows stored in the ring (default 20 unless --first/--since/--follow)" };
        var first = new Option<ulong?>("--first") { Description = "Get the first N flows stored in the ring" };
        var all = new Option<bool>("--all") { Description = "Get all flows stored in the ring" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Follow the flow stream" };
        var since = new Option<string?>("--since") { Description = "Flows since this time: RFC 3339 (2026-04-05T21:03:00Z) or relative (5m, 1h30m)" };
        var until = new Option<string?>("--until") { Description = "Flows until this time: RFC 3339 or relative (5m)" };
        var output = new Option<string>("--output", "-o") { Description = "Output format: compact, json, table, dict", DefaultValueFactory = _ => "compact" };
        var server = new Option<string>("--server") { Description = "Hubble server: unix:///path or host:port", DefaultValueFactory = _ => HubbleChannel.DefaultServer };
        var not = new Option<bool>("--not") { Description = "Negate the next filter flag (it goes to the denylist)" };
        var printRaw = new Option<bool>("--print-raw-filters") { Description = "Print the allowlist/denylist filters and exit without contacting the server" };
        var printNode = new Option<bool>("--print-node-name") { Description = "Print the node each flow was observed on (on by itself when the server is Hubble Relay)" };
        foreach (var option in new Option[] { last, first, all, follow, since, until, output, server, not, printRaw, printNode })
        {
            command.Options.Add(option);
        }

        var filterFlags = new Dictionary<string, string>(StringComparer.Ordinal);
        AddFilter(command, filterFlags, "verdict", "Show only flows with this verdict (FORWARDED, DROPPED, AUDIT, REDIRECTED, ERROR, TRACED, TRANSLATED)");
        AddFilter(command, filterFlags, "type", "Filter by event type: l7, drop, policy-verdict, trace[:point], or a number[:subtype]", "-t");
        AddFilter(command, filterFlags, "protocol", "Show only flows of this L4/L7 protocol (tcp, udp, icmp, http, dns, kafka)");
        AddFilter(command, filterFlags, "http-status", "Show only HTTP responses with this status code or prefix (403, 4+)");
        AddFilter(command, filterFlags, "http-method", "Show only HTTP flows with this method");
        AddFilter(command, filterFlags, "http-path", "Show only HTTP flows whose path matches this regex");
        AddFilter(command, filterFlags, "http-url", "Show only HTTP flows whose URL matches this regex");
        AddFilter(command, filterFlags, "dns-query", "Show only DNS flows whose query matches this regex");
        AddFilter(command, filterFlags, "pod", "Flows from or to the pod [namespace/]name-prefix");
        AddFilter(command, filterFlags, "from-pod", "Flows from the pod [namespace/]name-prefix");
        AddFilter(command, filterFlags, "to-pod", "Flows to the pod [namespace/]name-prefix");
        AddFilter(command, filterFlags, "namespace", "Flows from or to pods of this namespace", "-n");
        AddFilter(command, filterFlags, "from-namespace", "Flows from pods of this namespace");
        AddFilter(command, filterFlags, "to-namespace", "Flows to pods of this namespace");
        AddFilter(command, filterFlags, "label", "Flows from or to endpoints matching this label selector (app=x, k8s:org=empire)", "-l");
        AddFilter(command, filterFlags, "from-label", "Flows from endpoints matching this label selector");
        AddFilter(command, filterFlags, "to-label", "Flows to endpoints matching this label selector");
        AddFilter(command, filterFlags, "ip", "Flows from or to this IP or prefix");
        AddFilter(command, filterFlags, "from-ip", "Flows from this IP or prefix");
        AddFilter(command, filterFlags, "to-ip", "Flows to this IP or prefix");
        AddFilter(command, filterFlags, "port", "Flows from or to this L4 port");
        AddFilter(command, filterFlags, "from-port", "Flows from this L4 port");
        AddFilter(command, filterFlags, "to-port", "Flows to this L4 port");
        AddFilter(command, filterFlags, "identity", "Flows from or to this security identity (number or reserved name)");
        AddFilter(command, filterFlags, "from-identity", "Flows from this security identity");
        AddFilter(command, filterFlags, "to-identity", "Flows to this security identity");
        AddFilter(command, filterFlags, "traffic-direction", "Flows of this direction (ingress, egress)");
        AddFilter(command, filterFlags, "drop-reason-desc", "Drops with this reason (POLICY_DENIED, POLICY_DENY)");
        AddFilter(command, filterFlags, "node-name", "Flows observed on this node (glob)");
        AddFilter(command, filterFlags, "uuid", "The flow with this UUID");
        AddFilter(command, filterFlags, "http-header", "Show only HTTP flows with this request header (key:value)");
        AddFilter(command, filterFlags, "node-label", "Flows observed on nodes matching this label selector");
        AddFilter(command, filterFlags, "workload", "Flows from or to this workload ([kind/]name)");
        AddFilter(command, filterFlags, "from-workload", "Flows from this workload ([kind/]name)");
        AddFilter(command, filterFlags, "to-workload", "Flows to this workload ([kind/]name)");
        AddFilter(command, filterFlags, "cluster", "Flows from or to endpoints of this cluster");
        AddFilter(command, filterFlags, "from-cluster", "Flows from endpoints of this cluster");
        AddFilter(command, filterFlags, "to-cluster", "Flows to endpoints of this cluster");
        AddFilter(command, filterFlags, "interface", "Flows observed at this network interface");
        AddFilter(command, filterFlags, "snat-ip", "Flows whose source was translated to this IP or prefix");
        AddFilter(command, filterFlags, "trace-id", "Flows with this trace ID");
        AddFilter(command, filterFlags, "ip-trace-id", "Flows with this IP trace ID");

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var stdout = parseResult.InvocationConfiguration.Output;
            var stderr = parseResult.InvocationConfiguration.Error;
            GetFlowsRequest request;
            OutputFormat format;
            try
            {
                format = FlowPrinter.ParseFormat(parseResult.GetValue(output)!);
                var filters = BuildFilters(parseResult, filterFlags, not);
                request = new GetFlowsRequest { Follow = parseResult.GetValue(follow) };
                request.Whitelist.AddRange(filters.Whitelist);
                request.Blacklist.AddRange(filters.Blacklist);
                var now = DateTimeOffset.UtcNow;
                if (parseResult.GetValue(since) is { } s)
                {
                    request.Since = Timestamp.FromDateTimeOffset(TimeArgument.Parse(s, now));
                }
                if (parseResult.GetValue(until) is { } u)
                {
                    request.Until = Timestamp.FromDateTimeOffset(TimeArgument.Parse(u, now));
                }
                if (parseResult.GetValue(first) is { } firstN)
                {
                    if (parseResult.GetValue(last) is not null)
                    {
                        throw new ArgumentException("--first and --last cannot be combined");
                    }
                    request.First = true;
                    request.Number = firstN;
                }
                else if (parseResult.GetValue(last) is { } lastN)
                {
                    request.Number = lastN;
                }
                else if (!parseResult.GetValue(all) && !request.Follow && request.Since is null && request.Until is null)
                {
                    request.Number = DefaultLast;
                }
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                await stderr.WriteLineAsync("observe: " + e.Message);
                return 1;
            }

            if (parseResult.GetValue(printRaw))
            {
                PrintRawFilters(stdout, request);
                return 0;
            }
            return await StreamAsync(parseResult.GetValue(server)!, request, new FlowPrinter(stdout, stderr, format) { PrintNodeName = parseResult.GetValue(printNode) }, stderr, cancellationToken);
        });
        return command;
    }

    private static async Task<int> StreamAsync(string server, GetFlowsRequest request, FlowPrinter printer, TextWriter stderr, CancellationToken cancellationToken)
    {
        using var channel = HubbleChannel.Create(server);
        var client = new Observer.ObserverClient(channel);
        try
        {
            using var call = client.GetFlows(request, cancellationToken: cancellationToken);
            while (await call.ResponseStream.MoveNext(cancellationToken))
            {
                printer.Write(call.ResponseStream.Current);
                if (request.Follow)
                {
                    printer.Flush();
                }
            }
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled || cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C while following.
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (RpcException e)
        {
            printer.Flush();
            await stderr.WriteLineAsync(e.StatusCode == StatusCode.Unavailable
                ? $"observe: cannot reach Hubble at {server}: {e.Status.Detail} (is ciliuml7-agent running? use --server to pick another)"
                : $"observe: {e.Status.Detail}");
            return 1;
        }
        printer.Flush();
        return 0;
    }

    /// <summary>Walks the tokens in command-line order so <c>--not</c> applies to the flag right after it.</summary>
    private static FlowFilterBuilder BuildFilters(ParseResult parseResult, Dictionary<string, string> filterFlags, Option<bool> not)
    {
        var builder = new FlowFilterBuilder();
        var tokens = parseResult.Tokens;
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.Type != TokenType.Option)
            {
                continue;
            }
            if (not.Name == token.Value || not.Aliases.Contains(token.Value))
            {
                builder.Not();
                continue;
            }
            if (filterFlags.TryGetValue(token.Value, out var flag))
            {
                while (i + 1 < tokens.Count && tokens[i + 1].Type == TokenType.Argument)
                {
                    builder.Add(flag, tokens[++i].Value);
                }
            }
        }
        return builder;
    }

    private static void AddFilter(Command command, Dictionary<string, string> flags, string name, string description, string? alias = null)
    {
        var option = alias is null ? new Option<string[]>("--" + name) : new Option<string[]>("--" + name, alias);
        option.Description = description;
        option.AllowMultipleArgumentsPerToken = false;
        command.Options.Add(option);
        flags[option.Name] = name;
        foreach (var a in option.Aliases)
        {
            flags[a] = name;
        }
    }

    private static void PrintRawFilters(TextWriter stdout, GetFlowsRequest request)
    {
        var json = new JsonFormatter(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));
        stdout.Write("allowlist:\n");
        foreach (var filter in request.Whitelist)
        {
            stdout.Write("- '" + json.Format(filter) + "'\n");
        }
        stdout.Write("denylist:\n");
        foreach (var filter in request.Blacklist)
        {
            stdout.Write("- '" + json.Format(filter) + "'\n");
        }
    }
}
