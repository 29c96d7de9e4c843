namespace CiliumL7.Cni;

/// <summary>
/// Entry point of <c>ciliuml7-cni</c>, a CNI 1.0 plugin and thin client of the agent.
/// Run by a container runtime it reads <c>CNI_COMMAND</c>; <c>ciliuml7-cni install</c>
/// puts it and its configuration on a node.
/// </summary>
internal static class Program
{
    private static int Main(string[] args) => args is ["install", .. var rest] && !OperatingSystem.IsWindows()
        ? CniInstaller.Run(rest, Console.Out, Console.Error)
        : CniPlugin.Run(Environment.GetEnvironmentVariable, Console.In, Console.Out);
}
