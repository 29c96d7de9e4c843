using System.CommandLine;
using System.Text.Json;
using CiliumL7.Client;

namespace CiliumL7.Cli;

/// <summary><c>ciliuml7 node list [-o json]</c>: the cluster's nodes as the agent knows them from the kvstore.</summary>
internal static class NodeCommands
{
    public static Command Create()
    {
        var host = AgentConnection.CreateHostOption();
        var output = AgentConnection.CreateOutputOption();
        var list = new Command("list", "List the nodes of the cluster (from the kvstore; just this node when standalone)");
        list.Options.Add(output);
        list.SetAction((pr, ct) => AgentConnection.RunAsync(async () =>
        {
            using var client = AgentConnection.Connect(pr, host);
            var nodes = await client.ListNodesAsync(ct).ConfigureAwait(false);
            if (pr.GetValue(output) == "json")
            {
                Console.WriteLine(JsonSerializer.Serialize([.. nodes], ClientJsonContext.Readable.ListNodeModel));
                return 0;
            }
            var table = new TableWriter("NAME", "IPV4", "POD CIDR", "HUBBLE", "HEALTH", "");
            foreach (var n in nodes)
            {
                table.Add(n.Name, n.Ipv4 ?? "-", n.PodCidr ?? "-", n.HubbleAddress ?? "-", n.Health, n.Local ? "(this node)" : "");
            }
            table.WriteTo(Console.Out);
            return 0;
        }));
        var command = new Command("node", "Nodes of the cluster");
        command.Options.Add(host);
        command.Subcommands.Add(list);
        return command;
    }
}
