namespace CiliumL7.Datapath.Events;

/// <summary>Drop reasons (Cilium's numbers).</summary>
public enum DropReason : byte
{
    /// <summary>Not a drop.</summary>
    None = 0,

    /// <summary>INVALID_SIP: an endpoint sent from an address that is not its own.</summary>
    InvalidSourceIp = 132,

    /// <summary>POLICY_DENIED: no rule allows it (default deny).</summary>
    PolicyDenied = 133,

    /// <summary>INVALID_PACKET: truncated headers.</summary>
    InvalidPacket = 134,

    /// <summary>PROXY_LOOKUP_FAILED: a redirect found no proxy socket (fail closed).</summary>
    ProxyLookupFailed = 178,

    /// <summary>PROXY_SET_FAILED: bpf_sk_assign refused the socket.</summary>
    ProxySetFailed = 179,

    /// <summary>POLICY_DENY: an explicit deny rule matched.</summary>
    PolicyDeny = 181,
}
