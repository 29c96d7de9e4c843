using System.CommandLine;
using CiliumL7.Policy.Api;
using CiliumL7.Policy.Enforcement;

namespace CiliumL7.Cli;

/// <summary>
/// <c>ciliuml7 policy validate FILE|DIR...</c>: exit 0 and one summary line per
/// resource when everything is valid; exit 1 with every error on stderr otherwise.
/// </summary>
internal static class PolicyValidateCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("paths") { Description = "Policy files or directories (*.yaml, *.yml, *.json)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("validate", "Check CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy / NetworkPolicy manifests and report every problem");
        command.Arguments.Add(paths);
        command.SetAction(parseResult =>
        {
            var config = parseResult.InvocationConfiguration;
            return Run(parseResult.GetValue(paths) ?? [], config.Output, config.Error);
        });
        return command;
    }

    public static int Run(IReadOnlyList<string> paths, TextWriter stdout, TextWriter stderr)
    {
        var result = PolicyParser.ParsePaths(paths);
        foreach (var r in result.Resources)
        {
            stdout.WriteLine($"{r.Source}:{r.Line}: {r.Kind} {r.QualifiedName}: valid ({Summary(r)})");
        }
        // Valid but not enforced yet: a warning saying what happens to the traffic (the exit code stays 0).
        foreach (var r in result.Resources)
        {
            foreach (var warning in UnenforcedRuleWarnings.Find(r))
            {
                stderr.WriteLine(warning);
            }
        }
        foreach (var e in result.Errors)
        {
            stderr.WriteLine(e.ToString());
        }
        if (!result.IsValid)
        {
            var files = result.Errors.Select(e => e.Source).Distinct().Count();
            stderr.WriteLine($"{result.Errors.Count} error(s) in {files} file(s); nothing was applied.");
            return 1;
        }
        if (result.Resources.Count == 0)
        {
            stderr.WriteLine("no policy resources found in " + string.Join(", ", paths));
            return 1;
        }
        foreach (var w in FqdnWarnings.Check(result.Resources))
        {
            stderr.WriteLine("warning: " + w);
        }
        return 0;
    }

    private static string Summary(PolicyResource r)
    {
        int ingress = 0, ingressDeny = 0, egress = 0, egressDeny = 0, l7 = 0;
        foreach (var rule in r.Rules)
        {
            ingress += rule.Ingress?.Count ?? 0;
            ingressDeny += rule.IngressDeny?.Count ?? 0;
            egress += rule.Egress?.Count ?? 0;
            egressDeny += rule.EgressDeny?.Count ?? 0;
            foreach (var ports in (rule.Ingress ?? []).SelectMany(i => i.ToPorts ?? []).Concat((rule.Egress ?? []).SelectMany(e => e.ToPorts ?? [])))
            {
                l7 += (ports.Rules?.Http?.Count ?? 0) + (ports.Rules?.Dns?.Count ?? 0) + (ports.Rules?.Kafka?.Count ?? 0);
            }
        }
        var parts = new List<string> { r.Rules.Count + (r.Rules.Count == 1 ? " rule" : " rules") };
        if (ingress > 0) parts.Add("ingress " + ingress);
        if (ingressDeny > 0) parts.Add("ingressDeny " + ingressDeny);
        if (egress > 0) parts.Add("egress " + egress);
        if (egressDeny > 0) parts.Add("egressDeny " + egressDeny);
        if (l7 > 0) parts.Add("L7 rules " + l7);
        return string.Join(", ", parts);
    }
}
