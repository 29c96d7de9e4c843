using System.CommandLine;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CiliumL7.Client;
using CiliumL7.Client.Models;

namespace CiliumL7.Cli;

/// <summary><c>ciliuml7 endpoint list|get|create|delete</c>.</summary>
internal static class EndpointCommands
{
    public const string NetnsDir = "/var/run/netns";

    public static Command Create()
    {
        var host = AgentConnection.CreateHostOption();
        var command = new Command("endpoint", "Manage endpoints (pods) of this node");
        command.Options.Add(host);
        command.Subcommands.Add(List(host));
        command.Subcommands.Add(Get(host));
        command.Subcommands.Add(CreateEndpoint(host));
        command.Subcommands.Add(Delete(host));
        command.Subcommands.Add(Config(host));
        return command;
    }

    private static Command List(Option<string?> host)
    {
        var output = AgentConnection.CreateOutputOption();
        var command = new Command("list", "List endpoints");
        command.Options.Add(output);
        command.SetAction((pr, ct) => AgentConnection.RunAsync(async () =>
        {
            using var client = AgentConnection.Connect(pr, host);
            var endpoints = await client.ListEndpointsAsync(ct).ConfigureAwait(false);
            if (pr.GetValue(output) == "json")
            {
                Console.WriteLine(JsonSerializer.Serialize([.. endpoints], ClientJsonContext.Readable.ListEndpointModel));
                return 0;
            }
            PrintTable(endpoints, Console.Out);
            return 0;
        }));
        return command;
    }

    /// <summary><c>endpoint config ID audit=on|off</c>: audit mode for one endpoint.</summary>
    private static Command Config(Option<string?> host)
    {
        var id = new Argument<string>("endpoint") { Description = "Endpoint id, pod name, NAMESPACE/POD or IP" };
        var setting = new Argument<string>("setting") { Description = "audit=on or audit=off" };
        var ns = new Option<string>("--namespace", "-n") { Description = "Pod namespace", DefaultValueFactory = _ => "default" };
        var command = new Command("config", "Change an endpoint's configuration: audit=on (policies evaluated, nothing dropped, AUDIT flows) or audit=off");
        command.Arguments.Add(id);
        command.Arguments.Add(setting);
        command.Options.Add(ns);
        command.SetAction((pr, ct) => AgentConnection.RunAsync(async () =>
        {
            var text = pr.GetValue(setting)!;
            bool on;
            switch (text.ToLowerInvariant())
            {
                case "audit=on" or "audit=true" or "audit=enabled":
                    on = true;
                    break;
                case "audit=off" or "audit=false" or "audit=disabled":
                    on = false;
                    break;
                default:
                    Console.Error.WriteLine($"Error: \"{text}\" is not a setting this command knows; use audit=on or audit=off");
                    return 2;
            }
            using var client = AgentConnection.Connect(pr, host);
            var endpoint = await FindAsync(client, pr.GetValue(id)!, pr.GetValue(ns)!, ct).ConfigureAwait(false);
            if (endpoint is null)
            {
                Console.Error.WriteLine($"Error: endpoint \"{pr.GetValue(id)}\" not found");
                return 1;
            }
            var updated = await client.SetEndpointAuditAsync(endpoint.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), on, ct).ConfigureAwait(false);
            Console.WriteLine($"Endpoint {updated.Id} ({updated.Namespace}/{updated.Name}): audit mode {(updated.PolicyAuditMode ? "on" : "off")}");
            return 0;
        }));
        return command;
    }

    private static Command Get(Option<string?> host)
    {
        var output = AgentConnection.CreateOutputOption();
        var id = new Argument<string>("endpoint") { Description = "Endpoint id, pod name, NAMESPACE/POD or IP" };
        var ns = new Option<string>("--namespace", "-n") { Description = "Pod namespace", DefaultValueFactory = _ => "default" };
        var command = new Command("get", "Show one endpoint");
        command.Arguments.Add(id);
        command.Options.Add(ns);
        command.Options.Add(output);
        command.SetAction((pr, ct) => AgentConnection.RunAsync(async () =>
        {
            using var client = AgentConnection.Connect(pr, host);
            var endpoint = await FindAsync(client, pr.GetValue(id)!, pr.GetValue(ns)!, ct).ConfigureAwait(false);
            if (endpoint is null)
            {
                Console.Error.WriteLine($"Error: endpoint \"{pr.GetValue(id)}\" not found");
                return 1;
            }
            Print(endpoint, pr.GetValue(output)!);
            return 0;
        }));
        return command;
    }

    private static Command CreateEndpoint(Option<string?> host)
    {
        var output = AgentConnection.CreateOutputOption();
        var netns = new Option<string?>("--netns") { Description = "Pod network namespace: a name under /var/run/netns (created if missing) or a path; default: the pod name" };
        var name = new Option<string>("--name") { Description = "Pod name", Required = true };
        var ns = new Option<string>("--namespace", "-n") { Description = "Pod namespace", DefaultValueFactory = _ => "default" };
        var labels = new Option<string?>("--labels", "-l") { Description = "Pod labels: k=v,k2=v2" };
        var ifName = new Option<string>("--ifname") { Description = "Interface name inside the pod", DefaultValueFactory = _ => "eth0" };
        var cni = new Option<string>("--cni-plugin") { Description = "Path of ciliuml7-cni", DefaultValueFactory = _ => CniRunner.DefaultPluginPath };
        var command = new Command("create", "Create a pod endpoint: runs the CNI plugin (ADD) on a network namespace, as a container runtime would");
        foreach (var o in new Option[] { netns, name, ns, labels, ifName, cni, output })
        {
            command.Options.Add(o);
        }
        command.SetAction((pr, ct) => AgentConnection.RunAsync(async () =>
        {
            var pod = pr.GetValue(name)!;
            var podNamespace = pr.GetValue(ns)!;
            var labelPairs = ParseLabels(pr.GetValue(labels));
            var netnsPath = NetnsPath(pr.GetValue(netns) ?? pod);
            var createdNetns = false;
            if (!File.Exists(netnsPath))
            {
                if (Path.GetDirectoryName(netnsPath) != NetnsDir)
                {
                    Console.Error.WriteLine($"Error: network namespace {netnsPath} does not exist");
                    return 1;
                }
                var (code, err) = Run("ip", "netns", "add", Path.GetFileName(netnsPath));
                if (code != 0)
                {
                    Console.Error.WriteLine($"Error: ip netns add {Path.GetFileName(netnsPath)}: {err}");
                    return 1;
                }
                createdNetns = true;
            }
            var socket = AgentClient.ResolveSocketPath(pr.GetValue(host));
            var containerId = ContainerId(podNamespace, pod, netnsPath);
            var config = CniRunner.NetworkConfig(socket, labelPairs);
            var (exit, stdout, stderr) = CniRunner.Run(pr.GetValue(cni)!, "ADD", containerId, netnsPath, pr.GetValue(ifName)!, podNamespace, pod, config);
            if (exit != 0)
            {
                Console.Error.WriteLine($"Error: CNI ADD for {podNamespace}/{pod} failed: {CniRunner.DescribeError(stdout, stderr)}");
                if (createdNetns)
                {
                    Run("ip", "netns", "del", Path.GetFileName(netnsPath));
                }
                return 1;
            }
            using var client = new AgentClient(socket);
            var endpoint = await client.GetEndpointAsync("container-id:" + containerId, ct).ConfigureAwait(false);
            if (endpoint is null)
            {
                Console.Error.WriteLine("Error: the CNI plugin succeeded but the agent does not know the endpoint");
                return 1;
            }
            if (createdNetns)
            {
                Cluster.NodeSelector.RecordPodNetns(netnsPath); // a pod of a local cluster: `cluster down` removes its netns
            }
            Print(endpoint, pr.GetValue(output)!);
            return 0;
        }));
        return command;
    }

    private static Command Delete(Option<string?> host)
    {
        var id = new Argument<string>("pod") { Description = "Pod name (or endpoint id, NAMESPACE/POD)" };
        var ns = new Option<string>("--namespace", "-n") { Description = "Pod namespace", DefaultValueFactory = _ => "default" };
        var keep = new Option<bool>("--keep-netns") { Description = "Keep the pod's network namespace (by default a namespace under /var/run/netns is removed with the pod)" };
        var cni = new Option<string>("--cni-plugin") { Description = "Path of ciliuml7-cni", DefaultValueFactory = _ => CniRunner.DefaultPluginPath };
        var command = new Command("delete", "Delete a pod endpoint: runs the CNI plugin (DEL), then removes the pod's network namespace");
        command.Arguments.Add(id);
        command.Options.Add(ns);
        command.Options.Add(keep);
        command.Options.Add(cni);
        command.SetAction((pr, ct) => AgentConnection.RunAsync(async () =>
        {
            var socket = AgentClient.ResolveSocketPath(pr.GetValue(host));
            using var client = new AgentClient(socket);
            var endpoint = await FindAsync(client, pr.GetValue(id)!, pr.GetValue(ns)!, ct).ConfigureAwait(false);
            if (endpoint is null)
            {
                Console.Error.WriteLine($"Error: endpoint \"{pr.GetValue(id)}\" not found in namespace {pr.GetValue(ns)}");
                return 1;
            }
            var config = CniRunner.NetworkConfig(socket, []);
            var (exit, stdout, stderr) = CniRunner.Run(pr.GetValue(cni)!, "DEL", endpoint.ContainerId, endpoint.Netns, endpoint.PodInterface, endpoint.Namespace, endpoint.Name, config);
            if (exit != 0)
            {
                Console.Error.WriteLine($"Error: CNI DEL for {endpoint.Namespace}/{endpoint.Name} failed: {CniRunner.DescribeError(stdout, stderr)}");
                return 1;
            }
            if (!pr.GetValue(keep) && Path.GetDirectoryName(endpoint.Netns) == NetnsDir && File.Exists(endpoint.Netns))
            {
                Run("ip", "netns", "del", Path.GetFileName(endpoint.Netns));
            }
            Console.WriteLine($"Endpoint {endpoint.Id} ({endpoint.Namespace}/{endpoint.Name}) deleted");
            return 0;
        }));
        return command;
    }

    /// <summary>Finds an endpoint by id, NAMESPACE/POD, IP or pod name (in <paramref name="ns"/>).</summary>
    public static Task<EndpointModel?> FindAsync(AgentClient client, string id, string ns, CancellationToken ct)
    {
        var selector = int.TryParse(id, out _) || id.Contains('/', StringComparison.Ordinal) || System.Net.IPAddress.TryParse(id, out _) ? id : $"pod:{ns}/{id}";
        return client.GetEndpointAsync(selector, ct);
    }

    public static List<KeyValuePair<string, string>> ParseLabels(string? text)
    {
        var list = new List<KeyValuePair<string, string>>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return list;
        }
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq == 0)
            {
                throw new ArgumentException($"label \"{pair}\" has no key: use --labels key=value,key2=value2");
            }
            list.Add(eq < 0 ? new(pair, "") : new(pair[..eq], pair[(eq + 1)..]));
        }
        return list;
    }

    public static string NetnsPath(string netns) => netns.Contains('/', StringComparison.Ordinal) ? netns : Path.Combine(NetnsDir, netns);

    /// <summary>A stable container id for a CLI-created pod (64 hex digits, like a runtime's).</summary>
    public static string ContainerId(string ns, string pod, string netns) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{ns}/{pod}@{netns}")));

    public static void PrintTable(IReadOnlyList<EndpointModel> endpoints, TextWriter output)
    {
        var table = new TableWriter("ENDPOINT", "POLICY (ingress) ENFORCEMENT", "POLICY (egress) ENFORCEMENT", "IDENTITY", "LABELS (source:key[=value])", "IPv4", "STATUS");
        foreach (var e in endpoints)
        {
            table.Add(e.Id, e.PolicyIngressEnforced ? "Enabled" : "Disabled", e.PolicyEgressEnforced ? "Enabled" : "Disabled", e.Identity, e.Labels, e.Ipv4, e.Status);
        }
        table.WriteTo(output);
    }

    private static void Print(EndpointModel endpoint, string format)
    {
        if (format == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(endpoint, ClientJsonContext.Readable.EndpointModel));
            return;
        }
        PrintTable([endpoint], Console.Out);
    }

    private static (int Code, string Stderr) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi)!;
        var err = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, err.Trim());
    }
}
