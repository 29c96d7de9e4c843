using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using CiliumL7.Client;

namespace CiliumL7.Cli;

/// <summary><c>ciliuml7 fqdn cache list [-o json]</c> and <c>ciliuml7 fqdn cache clean [--endpoint ID] [--matchpattern P]</c>.</summary>
internal static class FqdnCommands
{
    public static Command Create()
    {
        var host = AgentConnection.CreateHostOption();
        var output = AgentConnection.CreateOutputOption();
        var list = new Command("list", "List names learned from DNS answers (toFQDNs), per endpoint, and expired addresses kept for open connections");
        list.Options.Add(output);
        list.SetAction((pr, ct) => AgentConnection.RunAsync(async () =>
        {
            using var client = AgentConnection.Connect(pr, host);
            var rows = await client.ListFqdnCacheAsync(ct).ConfigureAwait(false);
            if (pr.GetValue(output) == "json")
            {
                Console.WriteLine(JsonSerializer.Serialize([.. rows], ClientJsonContext.Readable.ListFqdnCacheEntryModel));
                return 0;
            }
            var table = new TableWriter("Endpoint", "Source", "FQDN", "TTL", "ExpirationTime", "IPs");
            foreach (var r in rows)
            {
                table.Add(r.EndpointId, r.Source, r.Fqdn, r.Ttl, r.ExpirationTime.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture), string.Join(",", r.Ips));
            }
            table.WriteTo(Console.Out);
            return 0;
        }));

        var endpoint = new Option<long?>("--endpoint") { Description = "Only this endpoint's names" };
        var pattern = new Option<string?>("--matchpattern") { Description = "Only names this pattern matches (toFQDNs matchPattern syntax, e.g. \"*.empire.test\")" };
        var clean = new Command("clean", "Forget learned names: their addresses are no longer allowed by toFQDNs until the next DNS answer");
        clean.Options.Add(endpoint);
        clean.Options.Add(pattern);
        clean.SetAction((pr, ct) => AgentConnection.RunAsync(async () =>
        {
            using var client = AgentConnection.Connect(pr, host);
            var result = await client.CleanFqdnCacheAsync(pr.GetValue(endpoint), pr.GetValue(pattern), ct).ConfigureAwait(false);
            Console.WriteLine($"Removed {result.Removed} entries from the FQDN cache");
            return 0;
        }));

        var cache = new Command("cache", "The FQDN cache (names learned from DNS answers the DNS proxy allowed)");
        cache.Subcommands.Add(list);
        cache.Subcommands.Add(clean);
        var command = new Command("fqdn", "toFQDNs: names learned from DNS");
        command.Options.Add(host);
        command.Subcommands.Add(cache);
        return command;
    }
}
