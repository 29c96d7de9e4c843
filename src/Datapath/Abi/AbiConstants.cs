namespace CiliumL7.Datapath.Abi;

/// <summary>Constants of <c>bpf/include/abi.h</c>; the names say which <c>CL7_*</c> macro.</summary>
public static class AbiConstants
{
    /// <summary>CL7_MARK_MAGIC_MASK.</summary>
    public const uint MarkMagicMask = 0x0F00;

    /// <summary>CL7_MARK_MAGIC_TO_PROXY: <c>skb-&gt;mark = 0x0200 | proxyPort &lt;&lt; 16</c>.</summary>
    public const uint MarkMagicToProxy = 0x0200;

    /// <summary>CL7_MARK_MAGIC_PROXY_INGRESS: the proxy may set it (SO_MARK) on upstreams of ingress redirects (final).</summary>
    public const uint MarkMagicProxyIngress = 0x0A00;

    /// <summary>CL7_MARK_MAGIC_PROXY_EGRESS: the proxy sets it (SO_MARK) on upstream sockets (final today; see abi.h).</summary>
    public const uint MarkMagicProxyEgress = 0x0B00;

    /// <summary>CL7_PROXY_ROUTE_TABLE: <c>ip rule add fwmark 0x200/0xf00 lookup 2004</c>.</summary>
    public const int ProxyRouteTable = 2004;

    /// <summary>CL7_FAMILY_IPV4.</summary>
    public const byte FamilyIPv4 = 4;

    /// <summary>CL7_FAMILY_IPV6.</summary>
    public const byte FamilyIPv6 = 6;

    /// <summary>CL7_EP_INGRESS_ENFORCED.</summary>
    public const byte EpIngressEnforced = 1;

    /// <summary>CL7_EP_EGRESS_ENFORCED.</summary>
    public const byte EpEgressEnforced = 2;

    /// <summary>CL7_EP_INGRESS_AUDIT: ingress drops pass, reported as AUDIT.</summary>
    public const byte EpIngressAudit = 4;

    /// <summary>CL7_EP_EGRESS_AUDIT: egress drops pass, reported as AUDIT.</summary>
    public const byte EpEgressAudit = 8;

    /// <summary>CL7_EP_INGRESS_AUDIT_BESIDE: ingress passes are looked up in the audit entries too.</summary>
    public const byte EpIngressAuditBeside = 16;

    /// <summary>CL7_EP_EGRESS_AUDIT_BESIDE: egress passes are looked up in the audit entries too.</summary>
    public const byte EpEgressAuditBeside = 32;

    /// <summary>CL7_IPCACHE_PREFIX_FIXED.</summary>
    public const uint IpcachePrefixFixed = 32;

    /// <summary>CL7_POLICY_KIND_ALLOW.</summary>
    public const byte PolicyKindAllow = 0;

    /// <summary>CL7_POLICY_KIND_DENY.</summary>
    public const byte PolicyKindDeny = 1;

    /// <summary>CL7_POLICY_KIND_AUDIT_ALLOW.</summary>
    public const byte PolicyKindAuditAllow = 2;

    /// <summary>CL7_POLICY_KIND_AUDIT_DENY.</summary>
    public const byte PolicyKindAuditDeny = 3;

    /// <summary>CL7_POLICY_PREFIX_FIXED.</summary>
    public const uint PolicyPrefixFixed = 88;

    /// <summary>CL7_POLICY_PREFIX_PROTO.</summary>
    public const uint PolicyPrefixProto = 96;

    /// <summary>CL7_POLICY_PREFIX_FULL.</summary>
    public const uint PolicyPrefixFull = 112;

    /// <summary>CL7_POLICY_ALLOW.</summary>
    public const byte PolicyAllow = 1;

    /// <summary>CL7_POLICY_DENY.</summary>
    public const byte PolicyDeny = 2;

    /// <summary>CL7_POLICY_REDIRECT.</summary>
    public const byte PolicyRedirect = 3;

    /// <summary>CL7_COUNTERS_MAX: entries of cl7_counters.</summary>
    public const int CountersMax = 768;

    /// <summary>CL7_COUNTER_INDEX(dir, reason).</summary>
    public static uint CounterIndex(byte direction, byte reason) => ((uint)direction << 8) | reason;

    /// <summary>CL7_CT_REDIRECT.</summary>
    public const byte CtRedirect = 1;

    /// <summary>CL7_CT_PROXY_UPSTREAM.</summary>
    public const byte CtProxyUpstream = 2;

    /// <summary>CL7_CT_FROM_CONTAINER.</summary>
    public const byte CtFromContainer = 4;

    /// <summary>CL7_CT_TO_CONTAINER.</summary>
    public const byte CtToContainer = 8;
}
