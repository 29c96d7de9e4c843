using System.Net;
using CiliumL7.Policy.Identity;

namespace CiliumL7.Policy.Generation;

/// <summary>One generated CiliumNetworkPolicy: the workload it selects and its YAML (comments included).</summary>
/// <param name="Namespace">The workload's namespace.</param>
/// <param name="Name">The policy name.</param>
/// <param name="Subject">The workload's security-relevant labels.</param>
/// <param name="Yaml">The manifest.</param>
public sealed record GeneratedPolicy(string Namespace, string Name, LabelSet Subject, string Yaml)
{
    /// <summary>World addresses the workload reached by name, with the names (its toFQDNs rules stand for them).</summary>
    public IReadOnlyDictionary<IPAddress, IReadOnlySet<string>> FqdnAddresses { get; init; } = new Dictionary<IPAddress, IReadOnlySet<string>>();
}
