using System.Net;
using CiliumL7.Agent.Endpoints;
using CiliumL7.Agent.L7;
using CiliumL7.Datapath.Events;
using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Flows;
using CiliumL7.Hubble.Server;
using CiliumL7.Proxy.Flows;
using PolicyDirection = CiliumL7.Policy.TrafficDirection;
using ProxyFlowType = CiliumL7.Proxy.Flows.L7FlowType;
using Endpoint = CiliumL7.Hubble.Api.Endpoint;

namespace CiliumL7.Agent.Observability;

/// <summary>
/// Feeds Hubble: the proxy's L7 events and the datapath's drops and policy verdicts become
/// Hubble <see cref="Flow"/>s (built with <see cref="FlowBuilder"/>, the shape
/// Cilium gives them) and are published to the node's flow ring.
/// <code>
///  L7Proxy ──L7FlowEvent─► queue ─► consumer thread ─┐
///                                                    ├─► HubbleFlows ─► HubbleServer.Publish ─► ring ─► observe / GetFlows
///  cl7_events ──drop, verdict─────────────────────────┘        ▲
///  PolicyRegenerator ─► PolicyCookieNames ──────────────────────┘ (rule cookie → policy name, for *_allowed_by / *_denied_by)
/// </code>
/// </summary>
internal sealed class HubbleFlows : IFlowEventHandler
{
    private const int CacheLimit = 4096;

    // Touched only by the flow consumer thread (OnFlow).
    private readonly Dictionary<Proxy.PeerInfo, Endpoint> _peerEndpoints = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, (ulong Revision, CiliumL7.Hubble.Api.Policy Policy)> _policies = new(StringComparer.Ordinal);
    private readonly Func<long>? _policyRevision;
    private readonly IFlowPublisher _publisher;
    private readonly EndpointManager _endpoints;
    private readonly PolicyCookieNames _cookies;

    /// <param name="publisher">Where the flows go (the node's Hubble server).</param>
    /// <param name="endpoints">Local endpoints, for the datapath events' endpoint records.</param>
    /// <param name="cookies">Rule cookie → policy, for the datapath events' *_allowed_by / *_denied_by.</param>
    /// <param name="policyRevision">The agent's policy revision, written into every named policy's <c>revision</c>; null: 0.</param>
    public HubbleFlows(IFlowPublisher publisher, EndpointManager endpoints, PolicyCookieNames cookies, Func<long>? policyRevision = null)
    {
        _policyRevision = policyRevision;
        _publisher = publisher;
        _endpoints = endpoints;
        _cookies = cookies;
    }

    /// <summary>
    /// An L7 request or response from the proxy, on the flow consumer thread (never the
    /// request thread). Endpoint and policy records are built once per peer / policy and
    /// shared by the flows that name them (published flows are never mutated); an HTTP flow
    /// goes into the ring in its compact form (<see cref="L7HttpFlow"/>), built when read,
    /// a DNS or Kafka flow is built here and kept as its bytes.
    /// </summary>
    public void OnFlow(in L7FlowEvent e)
    {
        var request = e.Type == ProxyFlowType.Request;
        var client = request ? e.Source : e.Destination;
        var server = request ? e.Destination : e.Source;
        var policy = e.PolicyName is { Length: > 0 } name ? CachedPolicy(name) : null;
        var clientEndpoint = CachedEndpoint(client.Peer);
        var serverEndpoint = CachedEndpoint(server.Peer);
        switch (e.Protocol)
        {
            case Proxy.ProxyType.Http:
                _publisher.Publish(new L7HttpFlow(e, clientEndpoint, serverEndpoint, policy));
                break;
            case Proxy.ProxyType.Dns:
            case Proxy.ProxyType.Kafka:
                // Built now (the metrics read the built flow anyway) and kept in the ring as
                // bytes: no per-flow objects outlive the young generation.
                _publisher.Publish(L7MessageFlow.Create(e, clientEndpoint, serverEndpoint, policy));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(e), e.Protocol, "L7 flow of an unknown protocol");
        }
    }

    /// <summary>The Endpoint record of a proxy peer, built once per <see cref="Proxy.PeerInfo"/> object (they are swapped whole per regeneration).</summary>
    private Endpoint CachedEndpoint(Proxy.PeerInfo peer)
    {
        if (!_peerEndpoints.TryGetValue(peer, out var endpoint))
        {
            if (_peerEndpoints.Count >= CacheLimit)
            {
                _peerEndpoints.Clear(); // old regenerations' peers
            }
            endpoint = EndpointOf(peer);
            _peerEndpoints.Add(peer, endpoint);
        }
        return endpoint;
    }

    /// <summary>The Policy record of a proxy policy name at the current revision (rebuilt when the revision moves).</summary>
    private CiliumL7.Hubble.Api.Policy CachedPolicy(string name)
    {
        var revision = Revision();
        if (_policies.TryGetValue(name, out var cached) && cached.Revision == revision)
        {
            return cached.Policy;
        }
        if (_policies.Count >= CacheLimit)
        {
            _policies.Clear();
        }
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        var policy = slash < 0
            ? FlowBuilder.Policy(name, "", "CiliumClusterwideNetworkPolicy", revision)
            : FlowBuilder.Policy(name[(slash + 1)..], name[..slash], revision: revision);
        _policies[name] = (revision, policy);
        return policy;
    }

    private ulong Revision() => _policyRevision is { } read ? (ulong)Math.Max(0, read()) : 0;

    private CiliumL7.Hubble.Api.Policy AtRevision(CiliumL7.Hubble.Api.Policy policy)
    {
        var copy = policy.Clone();
        copy.Revision = Revision();
        return copy;
    }

    /// <summary>
    /// A datapath event: drops become L3/L4 DROPPED flows (an explicit deny names its policy in
    /// *_denied_by), policy verdicts of new connections become policy-verdict flows FORWARDED or
    /// REDIRECTED naming the allowing policy in *_allowed_by.
    /// </summary>
    public void OnDatapath(DatapathEvent e)
    {
        if (e.Type is not (DatapathEventType.Drop or DatapathEventType.PolicyVerdict))
        {
            return;
        }
        var source = new FlowPeer(e.Source.ToString(), e.SourcePort, EndpointOf(e.Source, e.SourceIdentity));
        var destination = new FlowPeer(e.Destination.ToString(), e.DestinationPort, EndpointOf(e.Destination, e.DestinationIdentity));
        Layer4? l4 = e.Protocol switch
        {
            6 => FlowBuilder.Tcp(e.SourcePort, e.DestinationPort, new TCPFlags
            {
                FIN = (e.TcpFlags & 0x01) != 0, SYN = (e.TcpFlags & 0x02) != 0, RST = (e.TcpFlags & 0x04) != 0,
                PSH = (e.TcpFlags & 0x08) != 0, ACK = (e.TcpFlags & 0x10) != 0,
            }),
            17 => FlowBuilder.Udp(e.SourcePort, e.DestinationPort),
            1 => FlowBuilder.Icmp4(e.DestinationPort),
            _ => null,
        };
        var direction = e.Direction == PolicyDirection.Egress ? TrafficDirection.Egress : TrafficDirection.Ingress;
        Flow flow;
        if (e.Type == DatapathEventType.Drop)
        {
            flow = FlowBuilder.Drop(source, destination, (CiliumL7.Hubble.Api.DropReason)(int)e.Reason, direction, l4, e.Time);
            if (e.Reason == CiliumL7.Datapath.Events.DropReason.PolicyDeny && _cookies.TryGet(e.RuleCookie, out var deny))
            {
                flow = FlowBuilder.AddPolicy(flow, AtRevision(deny), denied: true); // default deny (133) has no deciding policy
            }
        }
        else
        {
            var verdict = e.Verdict switch
            {
                DatapathVerdict.Redirected => Verdict.Redirected,
                DatapathVerdict.Forwarded => Verdict.Forwarded,
                DatapathVerdict.Audit => Verdict.Audit,
                DatapathVerdict.Dropped => Verdict.Dropped,
                _ => Verdict.Unknown,
            };
            var wouldBe = verdict == Verdict.Audit ? (CiliumL7.Hubble.Api.DropReason)(int)e.Reason : CiliumL7.Hubble.Api.DropReason.Unknown;
            flow = FlowBuilder.PolicyVerdict(source, destination, verdict, direction, (CiliumL7.Hubble.Flows.PolicyMatchType)(uint)e.MatchType, wouldBe, l4, e.Time);
            if (verdict == Verdict.Audit)
            {
                // Audit: name the policies that would have dropped it (an explicit deny by its cookie).
                var endpoint = direction == TrafficDirection.Ingress ? e.DestinationEndpoint : e.SourceEndpoint;
                IReadOnlyList<CiliumL7.Hubble.Api.Policy> by = _cookies.TryGet(e.RuleCookie, out var deny) && e.Reason == CiliumL7.Datapath.Events.DropReason.PolicyDeny
                    ? [deny] : _cookies.Audited(endpoint, direction == TrafficDirection.Ingress);
                foreach (var p in by)
                {
                    flow = FlowBuilder.AddPolicy(flow, AtRevision(p), denied: true);
                }
                flow = FlowBuilder.AddAuditOutcome(flow, "would be dropped, " + ProtoEnumName<CiliumL7.Hubble.Api.DropReason>.Of(wouldBe));
                _publisher.Publish(flow);
                return;
            }
            if (e.ProxyPort != 0 && verdict == Verdict.Redirected)
            {
                flow.ProxyPort = e.ProxyPort;
            }
            if (_cookies.TryGet(e.RuleCookie, out var allow))
            {
                flow = FlowBuilder.AddPolicy(flow, AtRevision(allow), denied: false);
            }
        }
        _publisher.Publish(flow);
    }

    /// <summary>
    /// The other nodes' pods (kvstore mode; null on a single node): a datapath event about a remote
    /// pod names its namespace and pod, as Hubble does from the ipcache's metadata.
    /// </summary>
    public RemotePeers? Remote { get; set; }

    private Endpoint EndpointOf(IPAddress address, uint identity)
    {
        var local = _endpoints.Find(address.ToString());
        if (local is not null)
        {
            return FlowBuilder.NewEndpoint((uint)local.Id, (uint)local.Identity, local.Namespace, local.Name, local.Labels);
        }
        // The identity is the datapath's (from its ipcache); the row only adds names and labels when it agrees.
        if (identity >= 256 && Remote is { } remote && remote.TryGet(address, out var peer) && peer.Identity == identity)
        {
            return FlowBuilder.NewEndpoint(0, identity, peer.Namespace ?? "", peer.PodName ?? "", peer.Labels);
        }
        return Reserved(identity);
    }

    private static Endpoint EndpointOf(Proxy.PeerInfo peer) => peer.EndpointId != 0 || peer.Identity >= 256
        ? FlowBuilder.NewEndpoint(peer.EndpointId, peer.Identity, peer.Namespace ?? "", peer.PodName ?? "", peer.Labels)
        : Reserved(peer.Identity);

    private static Endpoint Reserved(uint identity) => FlowBuilder.ReservedEndpoint(identity);
}
