namespace CiliumL7.Datapath;

/// <summary>What a policy map entry does with a matching new connection.</summary>
public enum PolicyMapVerdict : byte
{
    /// <summary>Pass.</summary>
    Allow = 1,

    /// <summary>Drop with POLICY_DENY (181); a deny always wins over an allow.</summary>
    Deny = 2,

    /// <summary>Pass into the proxy listening on the entry's proxy port (TCP/UDP).</summary>
    Redirect = 3,
}
