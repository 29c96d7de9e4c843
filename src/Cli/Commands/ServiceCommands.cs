using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using CiliumL7.Client;

namespace CiliumL7.Cli;

/// <summary>
/// <c>ciliuml7 service list|create|delete</c>: ClusterIP services whose VIP the
/// eBPF socket load balancer spreads over the selected endpoints.
/// <code>
///   ciliuml7 service create deathstar --namespace default --port 80 --selector org=empire,class=deathstar
///   ciliuml7 service list [-o json]
///   ciliuml7 service delete deathstar --namespace default
/// </code>
/// </summary>
internal static class ServiceCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var host = AgentConnection.CreateHostOption();
        var command = new Command("service", "Service load balancing (ClusterIP VIPs balanced by eBPF socket LB)");
        command.Options.Add(host);
        command.Subcommands.Add(List(host));
        command.Subcommands.Add(CreateCommand(host));
        command.Subcommands.Add(Delete(host));
        return command;
    }

    private static Command List(Option<string?> host)
    {
        var output = AgentConnection.CreateOutputOption();
        var list = new Command("list", "List services: frontends (VIP:port) and the endpoints they balance to");
        list.Options.Add(output);
        list.SetAction((pr, ct) => Run(pr, host, async client =>
        {
            var services = await client.ListServicesAsync(ct).ConfigureAwait(false);
            Console.Write(pr.GetValue(output) == "json" ? JsonSerializer.Serialize(services, Indented) + "\n" : ServiceTable.Render(services));
            return 0;
        }));
        return list;
    }

    private static Command CreateCommand(Option<string?> host)
    {
        var name = new Argument<string>("name") { Description = "Service name (DNS label)" };
        var ns = new Option<string>("--namespace", "-n") { Description = "Namespace", DefaultValueFactory = _ => "default" };
        var ports = new Option<string[]>("--port", "-p")
        {
            Description = "PORT[:TARGETPORT][/tcp|udp], repeatable (e.g. 80, 80:8080, 53/udp)",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var selector = new Option<string>("--selector", "-l") { Description = "Backend labels k=v,k2=v2 (all must match)", Required = true };
        var vip = new Option<string?>("--vip") { Description = "Requested VIP inside the service CIDR (default: allocated)" };
        var output = AgentConnection.CreateOutputOption();
        var create = new Command("create", "Create or update a service (like kubectl expose)");
        create.Arguments.Add(name);
        create.Options.Add(ns);
        create.Options.Add(ports);
        create.Options.Add(selector);
        create.Options.Add(vip);
        create.Options.Add(output);
        create.SetAction((pr, ct) => Run(pr, host, async client =>
        {
            var spec = BuildSpec(pr.GetValue(name)!, pr.GetValue(ns)!, pr.GetValue(ports)!, pr.GetValue(selector)!, pr.GetValue(vip));
            var info = await client.UpsertServiceAsync(spec, ct).ConfigureAwait(false);
            if (pr.GetValue(output) == "json")
            {
                Console.WriteLine(JsonSerializer.Serialize(info, Indented));
            }
            else
            {
                Console.WriteLine("service " + pr.GetValue(ns) + "/" + pr.GetValue(name) + " → VIP " + info.GetProperty("vip").GetString()
                    + " (" + string.Join(", ", info.GetProperty("dnsNames").EnumerateArray().Select(n => n.GetString())) + ")");
                Console.Write(ServiceTable.Render(JsonSerializer.SerializeToElement(new[] { info })));
            }
            return 0;
        }));
        return create;
    }

    private static Command Delete(Option<string?> host)
    {
        var name = new Argument<string>("name") { Description = "Service name" };
        var ns = new Option<string>("--namespace", "-n") { Description = "Namespace", DefaultValueFactory = _ => "default" };
        var delete = new Command("delete", "Delete a service (its VIP stops being translated)");
        delete.Arguments.Add(name);
        delete.Options.Add(ns);
        delete.SetAction((pr, ct) => Run(pr, host, async client =>
        {
            if (!await client.DeleteServiceAsync(pr.GetValue(ns)!, pr.GetValue(name)!, ct).ConfigureAwait(false))
            {
                Console.Error.WriteLine("Error: service " + pr.GetValue(ns) + "/" + pr.GetValue(name) + " not found");
                return 1;
            }
            Console.WriteLine("service " + pr.GetValue(ns) + "/" + pr.GetValue(name) + " deleted");
            return 0;
        }));
        return delete;
    }

    /// <summary>The PUT /v1/service body from command-line values.</summary>
    /// <exception cref="ArgumentException">A port or selector is malformed.</exception>
    internal static JsonObject BuildSpec(string name, string ns, IReadOnlyList<string> ports, string selector, string? vip)
    {
        var portArray = new JsonArray();
        foreach (var raw in ports)
        {
            foreach (var one in raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var (numbers, protocol) = one.Split('/') is [var n, var p] ? (n, p.ToUpperInvariant()) : (one, "TCP");
                var parts = numbers.Split(':');
                if (parts.Length > 2 || !int.TryParse(parts[0], out var port) || (parts.Length == 2 && !int.TryParse(parts[1], out _)))
                {
                    throw new ArgumentException("--port \"" + one + "\": expected PORT[:TARGETPORT][/tcp|udp], e.g. 80 or 80:8080 or 53/udp");
                }
                portArray.Add(new JsonObject
                {
                    ["port"] = port,
                    ["targetPort"] = parts.Length == 2 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : 0,
                    ["protocol"] = protocol,
                });
            }
        }
        var labels = new JsonObject();
        foreach (var pair in selector.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ArgumentException("--selector \"" + pair + "\": expected key=value");
            }
            labels[pair[..eq]] = pair[(eq + 1)..];
        }
        var spec = new JsonObject { ["name"] = name, ["namespace"] = ns, ["ports"] = portArray, ["selector"] = labels };
        if (!string.IsNullOrEmpty(vip))
        {
            spec["vip"] = vip;
        }
        return spec;
    }

    private static Task<int> Run(ParseResult pr, Option<string?> host, Func<AgentClient, Task<int>> body) =>
        AgentConnection.RunAsync(async () =>
        {
            using var client = AgentConnection.Connect(pr, host);
            return await body(client).ConfigureAwait(false);
        });
}
