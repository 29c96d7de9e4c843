using System.CommandLine;
using System.Text.Json;
using CiliumL7.Client;

namespace CiliumL7.Cli;

/// <summary>
/// The agent-facing <c>policy</c> subcommands: <c>import FILE...</c>, <c>get</c>,
/// <c>delete NAME [--namespace NS] | --all</c>. They join the one <c>policy</c>
/// command (whose offline subcommands, validate/trace, live in PolicyCommands):
/// <see cref="AddTo"/> attaches them to the root's existing <c>policy</c> command,
/// creating it when absent — so register after PolicyCommands.
/// </summary>
internal static class AgentPolicyCommands
{
    /// <summary>Adds import/get/delete to <paramref name="parent"/> if it is the <c>policy</c> command, else to its <c>policy</c> child (created if missing).</summary>
    public static void AddTo(Command parent)
    {
        var policy = parent.Name == "policy" ? parent : parent.Subcommands.FirstOrDefault(c => c.Name == "policy");
        if (policy is null)
        {
            policy = new Command("policy", "Manage security policies");
            parent.Subcommands.Add(policy);
        }
        // One recursive -H on "policy" serves all its subcommands (ours and the offline ones).
        if (policy.Options.FirstOrDefault(o => o.Name == "--host") is not Option<string?> host)
        {
            host = AgentConnection.CreateHostOption();
            policy.Options.Add(host);
        }
        policy.Subcommands.Add(Import(host));
        policy.Subcommands.Add(Get(host));
        policy.Subcommands.Add(Delete(host));
    }

    private static Command Import(Option<string?> host)
    {
        var files = new Argument<string[]>("files") { Description = "Policy files (YAML, one or more resources each)", Arity = ArgumentArity.OneOrMore };
        var waitTimeout = new Option<TimeSpan?>("--wait-timeout")
        {
            Description = "How long to wait, per file, for the agent to accept and apply the policy (e.g. 30s, 2m; default 60s)",
            HelpName = "duration",
            CustomParser = PolicyImporter.ParseWaitTimeout,
        };
        var noWait = new Option<bool>("--no-wait") { Description = "Return once the agent accepted the policy, without waiting until it is applied" };
        var audit = new Option<bool>("--audit") { Description = "Import in audit mode (annotation ciliuml7.io/audit: \"true\"): evaluated, never dropped; would-be drops are AUDIT flows" };
        var command = new Command("import",
            "Import policy files into the agent (validated; survives restarts) and wait until they are applied.\n" +
            "Exit codes: 0 applied (or accepted, with --no-wait); 1 rejected, unreadable or failed to apply; " +
            "3 the agent did not confirm within --wait-timeout (it may still apply the policy).");
        command.Arguments.Add(files);
        command.Options.Add(waitTimeout);
        command.Options.Add(noWait);
        command.Options.Add(audit);
        command.SetAction((pr, ct) => AgentConnection.RunAsync(async () =>
        {
            var hostText = pr.GetValue(host);
            using var client = new AgentClient(AgentClient.ResolveSocketPath(hostText), Timeout.InfiniteTimeSpan);
            var importer = new PolicyImporter(client, pr.GetValue(waitTimeout) ?? PolicyImporter.DefaultWaitTimeout, !pr.GetValue(noWait), hostText, Console.Out, Console.Error)
            {
                Audit = pr.GetValue(audit),
            };
            var status = 0;
            foreach (var file in pr.GetValue(files)!)
            {
                status = Math.Max(status, await importer.ImportAsync(file, ct).ConfigureAwait(false));
            }
            return status;
        }));
        return command;
    }

    private static Command Get(Option<string?> host)
    {
        var output = new Option<string>("--output", "-o") { Description = "Output format: yaml or json", DefaultValueFactory = _ => "yaml" };
        output.AcceptOnlyFromAmong("yaml", "json");
        var command = new Command("get", "Show the policies in force (imported and from the policy directory)");
        command.Options.Add(output);
        command.SetAction((pr, ct) => AgentConnection.RunAsync(async () =>
        {
            using var client = AgentConnection.Connect(pr, host);
            var policy = await client.GetPolicyAsync(ct).ConfigureAwait(false);
            if (pr.GetValue(output) == "json")
            {
                Console.WriteLine(JsonSerializer.Serialize(policy, ClientJsonContext.Readable.PolicyModel));
                return 0;
            }
            var first = true;
            foreach (var p in policy.Policies)
            {
                if (!first)
                {
                    Console.WriteLine("---");
                }
                first = false;
                Console.WriteLine($"# {p.Kind} {(p.Namespace.Length > 0 ? p.Namespace + "/" : "")}{p.Name} (source: {p.Source})");
                Console.Write(p.Yaml);
            }
            Console.WriteLine($"# Revision: {policy.Revision}");
            foreach (var e in policy.Errors)
            {
                Console.WriteLine($"# Rejected {e.Source} (last good version kept):");
                foreach (var line in e.Errors)
                {
                    Console.WriteLine("#   " + line);
                }
            }
            return 0;
        }));
        return command;
    }

    private static Command Delete(Option<string?> host)
    {
        var name = new Argument<string?>("name") { Description = "Policy name", Arity = ArgumentArity.ZeroOrOne };
        var ns = new Option<string?>("--namespace", "-n") { Description = "Policy namespace (any when omitted)" };
        var all = new Option<bool>("--all") { Description = "Delete every imported policy" };
        var command = new Command("delete", "Delete imported policies (files of the policy directory are removed by deleting the file)");
        command.Arguments.Add(name);
        command.Options.Add(ns);
        command.Options.Add(all);
        command.SetAction((pr, ct) => AgentConnection.RunAsync(async () =>
        {
            if (!pr.GetValue(all) && string.IsNullOrEmpty(pr.GetValue(name)))
            {
                Console.Error.WriteLine("Error: give a policy NAME or --all");
                return 2;
            }
            using var client = AgentConnection.Connect(pr, host);
            var result = await client.DeletePolicyAsync(pr.GetValue(name), pr.GetValue(ns), pr.GetValue(all), ct).ConfigureAwait(false);
            Console.WriteLine($"Deleted {result.Deleted} policies, revision {result.Revision}");
            return 0;
        }));
        return command;
    }
}
