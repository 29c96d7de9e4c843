using System.CommandLine;
using System.Text.Json;
using CiliumL7.Client;

namespace CiliumL7.Cli;

/// <summary><c>ciliuml7 bpf policy get POD|ID</c>: the endpoint's policy map as the datapath holds it.</summary>
internal static class BpfCommands
{
    public static Command Create()
    {
        var host = AgentConnection.CreateHostOption();
        var output = AgentConnection.CreateOutputOption();
        var endpoint = new Argument<string>("endpoint") { Description = "Pod name, NAMESPACE/POD or endpoint id" };
        var ns = new Option<string>("--namespace", "-n") { Description = "Pod namespace", DefaultValueFactory = _ => "default" };
        var get = new Command("get", "Show an endpoint's policy map entries");
        get.Arguments.Add(endpoint);
        get.Options.Add(ns);
        get.Options.Add(output);
        get.SetAction((pr, ct) => AgentConnection.RunAsync(async () =>
        {
            using var client = AgentConnection.Connect(pr, host);
            var ep = await EndpointCommands.FindAsync(client, pr.GetValue(endpoint)!, pr.GetValue(ns)!, ct).ConfigureAwait(false);
            if (ep is null)
            {
                Console.Error.WriteLine($"Error: endpoint \"{pr.GetValue(endpoint)}\" not found");
                return 1;
            }
            var policy = await client.GetBpfPolicyAsync(ep.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), ct).ConfigureAwait(false);
            if (policy is null)
            {
                Console.Error.WriteLine($"Error: no policy map for endpoint {ep.Id}");
                return 1;
            }
            if (pr.GetValue(output) == "json")
            {
                Console.WriteLine(JsonSerializer.Serialize(policy, ClientJsonContext.Readable.BpfPolicyModel));
                return 0;
            }
            Console.WriteLine($"Endpoint {ep.Id} ({ep.Namespace}/{ep.Name}): ingress enforcement {(policy.IngressEnforced ? "enabled" : "disabled")}, egress enforcement {(policy.EgressEnforced ? "enabled" : "disabled")}");
            var table = new TableWriter("POLICY", "DIRECTION", "IDENTITY", "LABELS (source:key[=value])", "PORT/PROTO", "PROXY PORT");
            foreach (var e in policy.Entries)
            {
                var labels = e.Identity == 0 ? ["reserved:unknown (any)"] : e.IdentityLabels;
                var port = e.Port == 0 ? "ANY" : e.EndPort > e.Port ? $"{e.Port}-{e.EndPort}" : e.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
                table.Add(Title(e.Action), Title(e.Direction), e.Identity, labels, $"{port}/{Protocol(e.Protocol)}", e.ProxyPort == 0 ? "NONE" : e.ProxyPort);
            }
            table.WriteTo(Console.Out);
            return 0;
        }));
        var policyCommand = new Command("policy", "Policy maps");
        policyCommand.Subcommands.Add(get);
        var command = new Command("bpf", "Inspect the eBPF datapath state");
        command.Options.Add(host);
        command.Subcommands.Add(policyCommand);
        return command;
    }

    private static string Title(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    private static string Protocol(int p) => p switch
    {
        0 => "ANY",
        1 => "ICMP",
        6 => "TCP",
        17 => "UDP",
        58 => "ICMPv6",
        132 => "SCTP",
        _ => p.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
