namespace CiliumL7.Cni;

/// <summary>Entry point of <c>ciliuml7-cni</c>, a CNI 1.0 plugin and thin client of the agent.</summary>
internal static class Program
{
    private static int Main() => CniPlugin.Run(Environment.GetEnvironmentVariable, Console.In, Console.Out);
}
