using System.CommandLine;
using System.Text.Json;

namespace CiliumL7.Cli;

/// <summary><c>ciliuml7 service list [-o json] [-H unix:///path]</c>: the agent's ClusterIP services and their backends.</summary>
internal static class ServiceCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var host = new Option<string?>("--host", "-H")
        {
            Description = "Agent API address (unix:///path/agent.sock); default unix:///var/run/ciliuml7/agent.sock",
            Recursive = true,
        };
        var output = new Option<string>("--output", "-o") { Description = "Output format: table or json", DefaultValueFactory = _ => "table" };
        output.AcceptOnlyFromAmong("table", "json");

        var list = new Command("list", "List services: frontends (VIP:port) and the endpoints they balance to");
        list.Options.Add(output);
        list.SetAction(async (pr, ct) =>
        {
            try
            {
                using var client = new ServiceAgentClient(ServiceAgentClient.ResolveSocketPath(pr.GetValue(host)));
                var services = await client.ListAsync(ct).ConfigureAwait(false);
                Console.Write(pr.GetValue(output) == "json" ? JsonSerializer.Serialize(services, Indented) + "\n" : ServiceTable.Render(services));
                return 0;
            }
            catch (Exception e) when (e is IOException or ArgumentException or JsonException)
            {
                Console.Error.WriteLine("Error: " + e.Message);
                return 1;
            }
        });

        var command = new Command("service", "Service load balancing (ClusterIP VIPs balanced by eBPF socket LB)");
        command.Options.Add(host);
        command.Subcommands.Add(list);
        return command;
    }
}
