namespace CiliumL7.Hubble.Flows;

/// <summary>How a policy-verdict event matched (Flow.policy_match_type), as Cilium's monitor defines it.</summary>
public enum PolicyMatchType : uint
{
    /// <summary>No policy matched.</summary>
    None = 0,

    /// <summary>Matched on peer identity only.</summary>
    L3Only = 1,

    /// <summary>Matched on peer identity and port.</summary>
    L3L4 = 2,

    /// <summary>Matched on port only (any peer).</summary>
    L4Only = 3,

    /// <summary>Allow-all.</summary>
    All = 4,

    /// <summary>Matched on peer identity and protocol.</summary>
    L3Proto = 5,

    /// <summary>Matched on protocol only.</summary>
    ProtoOnly = 6,
}
