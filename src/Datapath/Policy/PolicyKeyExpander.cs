using System.Buffers.Binary;
using CiliumL7.Datapath.Abi;

namespace CiliumL7.Datapath.Policy;

/// <summary>
/// Turns <see cref="PolicyMapEntry"/> values into LPM policy map entries
/// (see abi.h): a port range becomes power-of-two aligned port prefixes,
/// a port with protocol ANY becomes TCP, UDP and SCTP entries. When two
/// entries land on the same key, a redirect wins over an allow (L7 must
/// still be enforced on that port) and the first redirect wins over later ones.
/// </summary>
internal static class PolicyKeyExpander
{
    private static readonly byte[] AnyProtocolPorts = [6, 17, 132];

    public static Dictionary<PolicyKey, PolicyValue> Expand(uint endpointId, byte gen, IReadOnlyList<PolicyMapEntry> entries)
    {
        var result = new Dictionary<PolicyKey, PolicyValue>();
        foreach (var e in entries)
        {
            if (e.Protocol == 0 && e.Port != 0)
            {
                foreach (var proto in AnyProtocolPorts)
                {
                    AddPorts(result, endpointId, gen, e, proto);
                }
            }
            else
            {
                AddPorts(result, endpointId, gen, e, e.Protocol);
            }
        }
        return result;
    }

    private static void AddPorts(Dictionary<PolicyKey, PolicyValue> result, uint endpointId, byte gen, PolicyMapEntry e, byte proto)
    {
        if (proto == 0)
        {
            Add(result, endpointId, gen, e, 0, 0, AbiConstants.PolicyPrefixFixed);
            return;
        }
        if (e.Port == 0)
        {
            Add(result, endpointId, gen, e, proto, 0, AbiConstants.PolicyPrefixProto);
            return;
        }
        int first = e.Port;
        int last = e.EndPort == 0 ? e.Port : e.EndPort;
        if (last < first)
        {
            throw new ArgumentException($"policy entry {e}: endPort {e.EndPort} is below port {e.Port}");
        }
        while (first <= last)
        {
            /* the largest aligned block starting at first that fits */
            int bits = 0;
            while (bits < 16 && (first & ((1 << (bits + 1)) - 1)) == 0 && first + (1 << (bits + 1)) - 1 <= last)
            {
                bits++;
            }
            Add(result, endpointId, gen, e, proto, (ushort)first, AbiConstants.PolicyPrefixFull - (uint)bits);
            first += 1 << bits;
        }
    }

    private static void Add(Dictionary<PolicyKey, PolicyValue> result, uint endpointId, byte gen, PolicyMapEntry e, byte proto, ushort port, uint prefixLen)
    {
        bool deny = e.Verdict == PolicyMapVerdict.Deny;
        var key = new PolicyKey
        {
            PrefixLen = prefixLen,
            EndpointId = endpointId,
            Identity = e.RemoteIdentity,
            Gen = gen,
            Direction = (byte)e.Direction,
            Kind = e.AuditBeside
                ? deny ? AbiConstants.PolicyKindAuditDeny : AbiConstants.PolicyKindAuditAllow
                : deny ? AbiConstants.PolicyKindDeny : AbiConstants.PolicyKindAllow,
            Protocol = proto,
            DportBe = BinaryPrimitives.ReverseEndianness(port),
        };
        var value = new PolicyValue
        {
            Verdict = (byte)e.Verdict,
            L4Prefix = (byte)(prefixLen - AbiConstants.PolicyPrefixFixed),
            ProxyPort = e.Verdict == PolicyMapVerdict.Redirect ? e.ProxyPort : (ushort)0,
            Cookie = e.RuleCookie,
        };
        if (result.TryGetValue(key, out var existing))
        {
            bool upgrade = existing.Verdict == AbiConstants.PolicyAllow && value.Verdict == AbiConstants.PolicyRedirect;
            if (!upgrade)
            {
                return;
            }
        }
        result[key] = value;
    }
}
