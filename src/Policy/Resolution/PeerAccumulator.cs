namespace CiliumL7.Policy.Resolution;

/// <summary>Everything allowed for one peer on one port key while building an endpoint's policy.</summary>
internal sealed class PeerAccumulator(string policyName, string rulePath)
{
    public string PolicyName { get; } = policyName;

    public string RulePath { get; } = rulePath;

    /// <summary>Some contributing rule had no L7 rules here: this peer gets "allow all L7".</summary>
    public bool Wildcard { get; set; }

    public string? WildcardBy { get; set; }

    public L7Parser Parser { get; set; }

    public List<L7.IL7Rule> Rules { get; } = [];
}
