using System.Diagnostics;
using System.Net;
using CiliumL7.Datapath.Abi;
using CiliumL7.Policy;

namespace CiliumL7.Datapath.Events;

/// <summary>Turns a raw <see cref="EventRecord"/> into a <see cref="DatapathEvent"/>.</summary>
internal static unsafe class EventDecoder
{
    public static DatapathEvent Decode(in EventRecord r)
    {
        fixed (byte* s = r.Saddr)
        fixed (byte* d = r.Daddr)
        {
            int len = r.Family == AbiConstants.FamilyIPv4 ? 4 : 16;
            return new DatapathEvent
            {
                Time = MonotonicToWall(r.TimestampNs),
                Type = (DatapathEventType)r.Type,
                Reason = (DropReason)r.Reason,
                Direction = (TrafficDirection)r.Direction,
                Verdict = (DatapathVerdict)r.Verdict,
                MatchType = (PolicyMatchType)r.MatchType,
                Protocol = r.Protocol,
                Source = new IPAddress(new ReadOnlySpan<byte>(s, len)),
                Destination = new IPAddress(new ReadOnlySpan<byte>(d, len)),
                SourcePort = r.Sport,
                DestinationPort = r.Dport,
                TcpFlags = r.TcpFlags,
                SourceIdentity = r.SrcIdentity,
                DestinationIdentity = r.DstIdentity,
                SourceEndpoint = r.SrcEndpoint,
                DestinationEndpoint = r.DstEndpoint,
                RuleCookie = r.RuleCookie,
                PolicyRevision = r.PolicyRevision,
                ProxyPort = r.ProxyPort,
                Ifindex = (int)r.Ifindex,
                PacketLength = r.PktLen,
                IsReply = r.IsReply != 0,
            };
        }
    }

    /// <summary>bpf_ktime_get_ns() is CLOCK_MONOTONIC, as is Stopwatch on Linux.</summary>
    private static DateTimeOffset MonotonicToWall(ulong ns)
    {
        long nowNs = (long)(Stopwatch.GetTimestamp() * (1_000_000_000.0 / Stopwatch.Frequency));
        long ageTicks = (nowNs - (long)ns) / 100;
        return DateTimeOffset.UtcNow.AddTicks(-Math.Max(0, ageTicks));
    }
}
