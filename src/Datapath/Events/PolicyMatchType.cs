namespace CiliumL7.Datapath.Events;

/// <summary>Which kind of policy entry decided (Hubble's policy_match_type numbers).</summary>
public enum PolicyMatchType : byte
{
    /// <summary>No entry (default deny, or no enforcement).</summary>
    None = 0,

    /// <summary>identity / any protocol / any port.</summary>
    L3Only = 1,

    /// <summary>identity / protocol / port.</summary>
    L3L4 = 2,

    /// <summary>any identity / protocol / port.</summary>
    L4Only = 3,

    /// <summary>any / any / any.</summary>
    All = 4,

    /// <summary>identity / protocol / any port.</summary>
    L3Proto = 5,

    /// <summary>any identity / protocol / any port.</summary>
    ProtoOnly = 6,
}
