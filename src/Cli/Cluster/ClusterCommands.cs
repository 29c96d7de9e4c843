using System.CommandLine;

namespace CiliumL7.Cli.Cluster;

/// <summary><c>ciliuml7 cluster up|status|down</c>: a local cluster of agents in network namespaces (see <see cref="ClusterUp"/>).</summary>
internal static class ClusterCommands
{
    public const string DefaultName = "ciliuml7";

    public static Command Create()
    {
        var command = new Command("cluster", "A cluster on this host: etcd, N nodes (network namespaces, one agent each) and Hubble Relay (root)");
        command.Subcommands.Add(Up());
        command.Subcommands.Add(Status());
        command.Subcommands.Add(Down());
        return command;
    }

    private static Option<string> NameOption() => new("--name") { Description = "Cluster name", DefaultValueFactory = _ => DefaultName };

    private static Command Up()
    {
        var name = NameOption();
        var nodes = new Option<int>("--nodes") { Description = "Number of nodes", DefaultValueFactory = _ => 3 };
        var relay = new Option<string>("--relay-address") { Description = "Where Hubble Relay listens", DefaultValueFactory = _ => "127.0.0.1:4245" };
        var etcdMembers = new Option<int>("--etcd-members") { Description = "etcd members (1, 3 or 5; the agents fail over between them)", DefaultValueFactory = _ => 1 };
        var up = new Command("up", "Create the cluster: etcd on an underlay bridge (172.31.0.0/16), nodes with pods on 10.244.<n>.0/24, Hubble Relay");
        up.Options.Add(name);
        up.Options.Add(nodes);
        up.Options.Add(relay);
        up.Options.Add(etcdMembers);
        up.SetAction(async (pr, ct) =>
        {
            var errors = ClusterUp.Validate(pr.GetValue(name)!, pr.GetValue(nodes), pr.GetValue(relay)!, pr.GetValue(etcdMembers));
            if (errors.Count > 0)
            {
                foreach (var e in errors)
                {
                    Console.Error.WriteLine("Error: " + e);
                }
                return 2;
            }
            if (Environment.UserName != "root" && !Environment.IsPrivilegedProcess)
            {
                Console.Error.WriteLine("Error: cluster up needs root (network namespaces, eBPF); run it with sudo");
                return 1;
            }
            return await ClusterUp.RunAsync(pr.GetValue(name)!, pr.GetValue(nodes), pr.GetValue(relay)!, Console.Out, ct, pr.GetValue(etcdMembers)).ConfigureAwait(false);
        });
        return up;
    }

    private static Command Status()
    {
        var name = NameOption();
        var output = AgentConnection.CreateOutputOption();
        var status = new Command("status", "The cluster's nodes (name, IP, pod CIDR, agent socket, Hubble address, health), etcd and relay");
        status.Options.Add(name);
        status.Options.Add(output);
        status.SetAction(async (pr, ct) =>
        {
            var state = ClusterState.Load(pr.GetValue(name)!);
            if (state is null)
            {
                var known = string.Join(", ", ClusterState.List());
                Console.Error.WriteLine($"Error: no cluster \"{pr.GetValue(name)}\" (clusters: {(known.Length > 0 ? known : "none")}); create one: ciliuml7 cluster up");
                return 1;
            }
            return await ClusterStatus.RunAsync(state, pr.GetValue(output) == "json", Console.Out, ct).ConfigureAwait(false);
        });
        return status;
    }

    private static Command Down()
    {
        var name = NameOption();
        var down = new Command("down", "Remove the cluster: relay, pods, agents (by PID), node namespaces, etcd, underlay (idempotent)");
        down.Options.Add(name);
        down.SetAction(pr =>
        {
            var state = ClusterState.Load(pr.GetValue(name)!);
            if (state is null)
            {
                Console.WriteLine($"No cluster \"{pr.GetValue(name)}\": nothing to remove");
                return 0;
            }
            Console.WriteLine($"Deleting cluster \"{state.Name}\" ...");
            var failures = ClusterDown.Run(state, Console.Out);
            return failures == 0 ? 0 : 1;
        });
        return down;
    }
}
