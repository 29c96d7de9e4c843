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

    /// <summary>
    /// Lets <c>-H/--host</c> come before the command (<c>ciliuml7 -H unix:///x status</c>,
    /// as Docker and Cilium users type it): moves a leading host option after the
    /// command name, where every agent-facing command accepts it.
    /// </summary>
    public static string[] HoistGlobalHost(string[] args)
    {
        if (args.Length < 3)
        {
            return args;
        }
        int take;
        if (args[0] is "-H" or "--host")
        {
            take = 2;
        }
        else if (args[0].StartsWith("--host=", StringComparison.Ordinal) || (args[0].StartsWith("-H", StringComparison.Ordinal) && args[0].Length > 2))
        {
            take = 1;
        }
        else
        {
            return args;
        }
        var command = args[take];
        var rest = args[(take + 1)..];
        if (command == "observe")
        {
            // Hubble listens next to the agent: -H unix:///dir/agent.sock means --server unix:///dir/hubble.sock.
            var host = take == 2 ? args[1] : args[0][(args[0].IndexOf('=', StringComparison.Ordinal) is var eq and > 0 ? eq + 1 : 2)..];
            if (rest.Contains("--server"))
            {
                return [command, .. rest];
            }
            var socket = AgentClient.ResolveSocketPath(host);
            return [command, "--server", "unix://" + Path.Combine(Path.GetDirectoryName(socket) ?? "/", "hubble.sock"), .. rest];
        }
        return [command, .. args[..take], .. rest];
    }

    public static AgentClient Connect(ParseResult result, Option<string?> host) =>
        new(AgentClient.ResolveSocketPath(result.GetValue(host)));

    /// <summary>Runs an agent call, printing client errors the way a user can act on (never a silent non-zero exit).</summary>
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
        catch (AgentTimeoutException e)
        {
            Console.Error.WriteLine("Error: " + e.Message);
            return 1;
        }
        catch (HttpRequestException e)
        {
            Console.Error.WriteLine("Error: the request to the ciliuml7 agent failed: " + e.Message + " (check `ciliuml7 status` and the agent log)");
            return 1;
        }
        catch (System.Text.Json.JsonException e)
        {
            Console.Error.WriteLine("Error: the ciliuml7 agent's answer could not be read: " + e.Message + " (is the CLI the same version as the agent?)");
            return 1;
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine("Error: " + e.Message);
            return 2;
        }
    }
}
