using System.CommandLine;

namespace CiliumL7.Cli;

/// <summary>Entry point of <c>ciliuml7</c>, the node CLI. Each command group lives in Commands/.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var root = new RootCommand("ciliuml7: CiliumL7 node CLI (policy, endpoints, flows, demo)");
        root.Subcommands.Add(VersionCommand.Create());
        root.Subcommands.Add(PolicyCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(EndpointCommands.Create());
        root.Subcommands.Add(IdentityCommands.Create());
        root.Subcommands.Add(BpfCommands.Create());
        root.Subcommands.Add(ExecCommand.Create());
        AgentPolicyCommands.AddTo(root); // after PolicyCommands: joins the existing "policy" command
        root.Subcommands.Add(ServiceCommands.Create());
        root.Subcommands.Add(NodeCommands.Create());
        root.Subcommands.Add(ObserveCommand.Create());
        root.Subcommands.Add(FqdnCommands.Create());
        root.Subcommands.Add(ConnectivityCommand.Create());
        root.Subcommands.Add(HubbleUiCommand.Create());
        root.Subcommands.Add(Kubernetes.InstallCommand.Create());
        args = AgentConnection.HoistGlobalHost(args);
        return root.Parse(args).Invoke();
    }
}
