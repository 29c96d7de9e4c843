namespace CiliumL7.Policy.Resolution;

/// <summary>What the datapath does with traffic matching an <see cref="L4PolicyEntry"/>.</summary>
public enum PolicyAction : byte
{
    /// <summary>Pass.</summary>
    Allow = 1,

    /// <summary>Drop (explicit deny rule: POLICY_DENY 181).</summary>
    Deny = 2,

    /// <summary>Pass through the L7 proxy.</summary>
    Redirect = 3,
}
