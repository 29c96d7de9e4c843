using CiliumL7.Agent.Configuration;

namespace CiliumL7.Agent;

/// <summary>Entry point of <c>ciliuml7-agent</c>: the node agent, or <c>cleanup</c>.</summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(AgentOptions.Usage);
            return 0;
        }
        AgentOptions options;
        try
        {
            options = AgentOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine("ciliuml7-agent: " + e.Message);
            Console.Error.WriteLine(AgentOptions.Usage);
            return 2;
        }
        if (options.ProxyInlineCompletions && Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
        {
            // Read once by the runtime, at the first socket: must be set before anything opens one.
            Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        }
        try
        {
            return options.Cleanup ? AgentCleanup.Run(options, Console.Out) : await AgentHost.RunAsync(options).ConfigureAwait(false);
        }
        catch (AgentConfigurationException e)
        {
            Console.Error.WriteLine("ciliuml7-agent: " + e.Message);
            return 2;
        }
    }
}
