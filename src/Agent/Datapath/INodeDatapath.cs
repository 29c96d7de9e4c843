using CiliumL7.Client.Models;

namespace CiliumL7.Agent.Datapath;

/// <summary>
/// What the agent needs from the eBPF datapath: programs on each endpoint's
/// veth, the endpoint map and ipcache, per-endpoint policy maps (applied
/// atomically) and the drop events. Implementations never detach or flush on
/// start or dispose: enforcement outlives the agent.
/// </summary>
internal interface INodeDatapath : IDisposable
{
    /// <summary>For <c>status</c>.</summary>
    DatapathStatusModel Status();

    /// <summary>Loads (or reuses pinned) programs and maps; re-attaches restored endpoints whose programs are missing.</summary>
    void Start(IReadOnlyList<EndpointModel> endpoints);

    /// <summary>Attaches the programs to the endpoint's veth and writes the endpoint map and ipcache.</summary>
    void UpsertEndpoint(EndpointModel endpoint);

    /// <summary>Removes the endpoint's map entries (the veth, and its programs, are gone with the pod).</summary>
    void RemoveEndpoint(EndpointModel endpoint);

    /// <summary>Replaces the endpoint's policy map state in one step.</summary>
    void ApplyPolicy(EndpointMapState state, uint revision);

    /// <summary>
    /// Adds entries to the endpoint's policy in force without rewriting the rest (an
    /// existing key keeps its value); throws when the endpoint has no policy yet.
    /// </summary>
    void AddPolicyEntries(int endpointId, IReadOnlyList<PolicyMapEntrySpec> entries);

    /// <summary>Maps one CIDR prefix to its identity in the ipcache (kept by the next <see cref="SyncIpcache"/> when it names it).</summary>
    void AddCidrIdentity(System.Net.IPNetwork prefix, uint identity);

    /// <summary>Makes the ipcache hold exactly these CIDR identities (besides the endpoints' addresses).</summary>
    void SyncIpcache(IReadOnlyDictionary<System.Net.IPNetwork, uint> cidrIdentities);

    /// <summary>Attaches from-netdev to the node's uplink (a cluster's underlay): packets from other nodes for the proxy's sockets reach them.</summary>
    void AttachUplink(int ifindex);

    /// <summary>Maps a pod address of another node to its identity (no local endpoint) in the ipcache.</summary>
    void UpsertRemoteIp(System.Net.IPAddress ip, uint identity);

    /// <summary>Removes a pod address of another node from the ipcache.</summary>
    void RemoveRemoteIp(System.Net.IPAddress ip);

    /// <summary>The endpoint's policy as the datapath holds it; null when unknown.</summary>
    EndpointMapState? ReadPolicy(int endpointId);

    /// <summary>
    /// Addresses (either end) of the tracked connections that carried a packet
    /// within <paramref name="window"/>: the FQDN cache keeps an expired address
    /// while a connection to it is alive. Empty without a datapath.
    /// </summary>
    IReadOnlySet<System.Net.IPAddress> ActiveConnectionPeers(TimeSpan window);

    /// <summary>
    /// Re-creates the bpffs pins removed under the running agent (the maps and programs live on through the
    /// descriptors the agent holds), then runs <paramref name="alsoRepair"/> (another owner of pins under the
    /// same root, e.g. the socket load balancer); returns the names re-pinned, empty when nothing was missing.
    /// Throws <see cref="CiliumL7.Datapath.DatapathException"/> or <see cref="IOException"/> when a pin cannot be
    /// re-created; either way <see cref="Status"/> reports it.
    /// </summary>
    IReadOnlyList<string> RepairPins(Func<IReadOnlyList<string>>? alsoRepair = null);
}
