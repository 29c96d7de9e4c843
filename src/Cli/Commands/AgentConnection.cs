using System.CommandLine;
using CiliumL7.Client;

namespace CiliumL7.Cli;

/// <summary>
/// How agent-facing commands reach the agent: <c>-H unix:///path/agent.sock</c>
/// (or <c>--host</c>, or <c>$CILIUML7_AGENT_SOCKET</c>), default
/// /var/run/ciliuml7/agent.sock. Also maps client errors to exit codes.
/// </summary>
internal static class AgentConnection
{
    /// <summary>A new <c>-H/--host</c> option (recursive), one per top-level command.</summary>
    public static Option<string?> CreateHostOption() => new("--host", "-H")
    {
        Description = "Agent API address (unix:///path/agent.sock); default unix:///var/run/ciliuml7/agent.sock",
        Recursive = true,
    };

    /// <summary>A new <c>-o/--output</c> option: <c>table</c> (default) or <c>json</c>.</summary>
    public static Option<string> CreateOutputOption()
    {
        var option = new Option<string>("--output", "-o") { Description = "Output format: table or json", DefaultValueFactory = _ => "table" };
        option.AcceptOnlyFromAmong("table", "json");
        return option;
    }

    public static AgentClient Connect(ParseResult result, Option<string?> host) =>
        new(AgentClient.ResolveSocketPath(result.GetValue(host)));

    /// <summary>Runs an agent call, printing client errors the way a user can act on.</summary>
    public static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (AgentUnavailableException e)
        {
            Console.Error.WriteLine("Error: " + e.Message);
            return 1;
        }
        catch (AgentException e)
        {
            Console.Error.WriteLine("Error: " + e.Message);
            foreach (var error in e.Errors)
            {
                Console.Error.WriteLine("  " + error);
            }
            return 1;
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine("Error: " + e.Message);
            return 2;
        }
    }
}
