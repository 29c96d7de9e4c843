using System.CommandLine;
using System.Text.Json;
using CiliumL7.Client;

namespace CiliumL7.Cli;

/// <summary><c>ciliuml7 identity list [-o json]</c>.</summary>
internal static class IdentityCommands
{
    public static Command Create()
    {
        var host = AgentConnection.CreateHostOption();
        var output = AgentConnection.CreateOutputOption();
        var list = new Command("list", "List security identities (reserved and allocated)");
        list.Options.Add(output);
        list.SetAction((pr, ct) => AgentConnection.RunAsync(async () =>
        {
            using var client = AgentConnection.Connect(pr, host);
            var identities = await client.ListIdentitiesAsync(ct).ConfigureAwait(false);
            if (pr.GetValue(output) == "json")
            {
                Console.WriteLine(JsonSerializer.Serialize([.. identities], ClientJsonContext.Readable.ListIdentityModel));
                return 0;
            }
            var table = new TableWriter("ID", "LABELS");
            foreach (var identity in identities)
            {
                table.Add(identity.Id, identity.Labels);
            }
            table.WriteTo(Console.Out);
            return 0;
        }));
        var command = new Command("identity", "Security identities");
        command.Options.Add(host);
        command.Subcommands.Add(list);
        return command;
    }
}
