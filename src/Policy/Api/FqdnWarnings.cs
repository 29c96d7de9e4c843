namespace CiliumL7.Policy.Api;

/// <summary>
/// toFQDNs only learns from DNS answers the DNS proxy sees, and the proxy sees
/// only lookups that an egress DNS rule (<c>toPorts[].rules.dns</c>) redirects.
/// A toFQDNs rule with no DNS rule in the same policy set therefore allows
/// nothing: valid, but almost certainly not what was meant.
/// </summary>
public static class FqdnWarnings
{
    /// <summary>A warning per toFQDNs rule when no resource in <paramref name="resources"/> has an egress DNS rule.</summary>
    public static IReadOnlyList<string> Check(IReadOnlyList<PolicyResource> resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        foreach (var resource in resources)
        {
            foreach (var rule in resource.Rules)
            {
                foreach (var egress in rule.Egress ?? [])
                {
                    foreach (var port in egress.ToPorts ?? [])
                    {
                        if (port.Rules?.Dns is not null)
                        {
                            return [];
                        }
                    }
                }
            }
        }
        var warnings = new List<string>();
        foreach (var resource in resources)
        {
            foreach (var rule in resource.Rules)
            {
                for (var i = 0; i < (rule.Egress?.Count ?? 0); i++)
                {
                    if (rule.Egress![i].ToFqdns is not null)
                    {
                        warnings.Add($"{resource.Source}:{resource.Line}: {resource.Kind} {resource.QualifiedName}: {rule.Path}.egress[{i}].toFQDNs: "
                            + "no egress DNS rule lets the DNS proxy see this pod's lookups, so toFQDNs learns no address and allows nothing; "
                            + "add an egress rule to the DNS server with toPorts: [{ports: [{port: \"53\", protocol: ANY}], rules: {dns: [{matchPattern: \"*\"}]}}].");
                    }
                }
            }
        }
        return warnings;
    }
}
