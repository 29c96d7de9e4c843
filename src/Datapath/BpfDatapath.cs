using System.Net;
using System.Net.Sockets;
using CiliumL7.Datapath.Abi;
using CiliumL7.Datapath.Events;
using CiliumL7.Datapath.Interop;
using CiliumL7.Datapath.Loading;
using CiliumL7.Datapath.Maps;
using CiliumL7.Datapath.Policy;

namespace CiliumL7.Datapath;

/// <summary>
/// The node's eBPF datapath: both programs loaded, every map pinned under
/// <see cref="BpfRoot"/>. Opening again (agent restart) reuses the pinned
/// maps, so enforcement state survives and nothing is flushed; attaching
/// again replaces the programs atomically.
/// <code>
///  pod ──veth── host side: tc ingress = from-container (egress policy of the pod,
///                                        ingress policy of a local destination)
///                          tc egress  = to-container   (ingress policy of the pod)
/// </code>
/// tc attach/detach act in the calling thread's network namespace.
/// </summary>
public sealed unsafe class BpfDatapath : IDisposable
{
    /// <summary>Program name of from-container in its object.</summary>
    public const string FromContainerProgramName = "cl7_from_container";

    /// <summary>Program name of to-container in its object.</summary>
    public const string ToContainerProgramName = "cl7_to_container";

    /// <summary>Program name of from-netdev in its object.</summary>
    public const string FromNetdevProgramName = "cl7_from_netdev";

    private readonly BpfObjectFile _from;
    private readonly BpfObjectFile _to;
    private readonly BpfObjectFile _netdev;
    private readonly Lock _policyGate = new();

    /* endpoint id -> its keys in cl7_policy (both generations); built from
     * one scan of the map on first use, then kept in step with our writes,
     * so a policy update costs its own entries, not the whole map */
    private Dictionary<uint, HashSet<PolicyKey>>? _policyIndex;

    private BpfDatapath(string root, BpfObjectFile from, BpfObjectFile to, BpfObjectFile netdev)
    {
        BpfRoot = root;
        _from = from;
        _to = to;
        _netdev = netdev;
        Netdevs = new BpfMap<uint, uint>("cl7_netdevs", from.MapFd("cl7_netdevs"));
        Endpoints = new BpfMap<uint, EndpointValue>("cl7_endpoints", from.MapFd("cl7_endpoints"));
        EndpointPolicies = new BpfMap<uint, EndpointPolicyValue>("cl7_ep_policy", from.MapFd("cl7_ep_policy"));
        Ipcache = new BpfMap<IpcacheKey, IpcacheValue>("cl7_ipcache", from.MapFd("cl7_ipcache"));
        Policies = new BpfMap<PolicyKey, PolicyValue>("cl7_policy", from.MapFd("cl7_policy"));
        Connections = new BpfMap<CtKey, CtEntry>("cl7_ct", from.MapFd("cl7_ct"));
        Counters = new BpfMap<uint, MetricsValue>("cl7_counters", from.MapFd("cl7_counters"));
        EventsMapFd = from.MapFd("cl7_events");
    }

    /// <summary>The bpffs directory holding the pins.</summary>
    public string BpfRoot { get; }

    /// <summary>cl7_endpoints: host-side ifindex → endpoint.</summary>
    public BpfMap<uint, EndpointValue> Endpoints { get; }

    /// <summary>cl7_ep_policy: endpoint id → enforcement flags and active generation.</summary>
    public BpfMap<uint, EndpointPolicyValue> EndpointPolicies { get; }

    /// <summary>cl7_ipcache: IP prefix → identity (and local endpoint id).</summary>
    public BpfMap<IpcacheKey, IpcacheValue> Ipcache { get; }

    /// <summary>cl7_policy: the L3/L4 policy entries of every endpoint.</summary>
    public BpfMap<PolicyKey, PolicyValue> Policies { get; }

    /// <summary>cl7_ct: connection tracking.</summary>
    public BpfMap<CtKey, CtEntry> Connections { get; }

    /// <summary>cl7_netdevs: uplinks with from-netdev attached.</summary>
    public BpfMap<uint, uint> Netdevs { get; }

    /// <summary>cl7_counters: per-CPU counters, index = direction &lt;&lt; 8 | reason.</summary>
    public BpfMap<uint, MetricsValue> Counters { get; }

    private int EventsMapFd { get; }

    /// <summary>
    /// Loads (first start) or restores (restart) the datapath: mounts bpffs
    /// when needed, loads both objects with their maps pinned under
    /// <see cref="DatapathOptions.BpfRoot"/>, pins the programs.
    /// </summary>
    public static BpfDatapath Open(DatapathOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string root = Path.GetFullPath(options.BpfRoot);
        BpfFs.EnsureDirectory(root);
        var from = BpfObjectFile.Load(Path.Combine(options.BpfObjectDir, "from-container.o"), root);
        BpfObjectFile? to = null;
        BpfObjectFile? netdev = null;
        try
        {
            to = BpfObjectFile.Load(Path.Combine(options.BpfObjectDir, "to-container.o"), root);
            netdev = BpfObjectFile.Load(Path.Combine(options.BpfObjectDir, "from-netdev.o"), root);
            from.PinProgram(FromContainerProgramName, Path.Combine(root, "prog_from_container"));
            to.PinProgram(ToContainerProgramName, Path.Combine(root, "prog_to_container"));
            netdev.PinProgram(FromNetdevProgramName, Path.Combine(root, "prog_from_netdev"));
            return new BpfDatapath(root, from, to, netdev);
        }
        catch
        {
            netdev?.Dispose();
            to?.Dispose();
            from.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes the endpoint entry for <paramref name="ifindex"/> (the host-side
    /// veth), then attaches from-container at its tc ingress and to-container
    /// at its tc egress (replacing whatever we attached before, atomically).
    /// </summary>
    public void AttachEndpoint(int ifindex, EndpointEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.EndpointId == 0)
        {
            throw new ArgumentException("endpoint id 0 is reserved for \"not a local endpoint\"", nameof(entry));
        }
        Endpoints.Update((uint)ifindex, new EndpointValue { EndpointId = entry.EndpointId, Identity = entry.Identity });
        TcAttachment.Attach(ifindex, ingress: true, _from.ProgramFd(FromContainerProgramName));
        TcAttachment.Attach(ifindex, ingress: false, _to.ProgramFd(ToContainerProgramName));
    }

    /// <summary>Detaches both programs (if the link still exists) and forgets the endpoint entry.</summary>
    public void DetachEndpoint(int ifindex)
    {
        TcAttachment.Detach(ifindex, ingress: true);
        TcAttachment.Detach(ifindex, ingress: false);
        Endpoints.Delete((uint)ifindex);
    }

    /// <summary>
    /// Attaches from-netdev at the tc ingress of a node uplink (calling
    /// thread's netns): replies from outside the node to the proxy's
    /// transparent upstream sockets are delivered to them. Optional; only
    /// needed when the proxy forwards to destinations outside the node with
    /// the pod's address as source.
    /// </summary>
    public void AttachNetdev(int ifindex)
    {
        Netdevs.Update((uint)ifindex, 1);
        TcAttachment.Attach(ifindex, ingress: true, _netdev.ProgramFd(FromNetdevProgramName));
    }

    /// <summary>Detaches from-netdev from an uplink.</summary>
    public void DetachNetdev(int ifindex)
    {
        TcAttachment.Detach(ifindex, ingress: true);
        Netdevs.Delete((uint)ifindex);
    }

    /// <summary>True when our programs are attached to both hooks of <paramref name="ifindex"/>.</summary>
    public static bool IsAttached(int ifindex) =>
        TcAttachment.Query(ifindex, ingress: true) != 0 && TcAttachment.Query(ifindex, ingress: false) != 0;

    /// <summary>The endpoints in the map (for restore after a restart): ifindex → entry.</summary>
    public IReadOnlyDictionary<int, EndpointEntry> ListEndpoints()
    {
        var result = new Dictionary<int, EndpointEntry>();
        foreach (var (ifindex, v) in Endpoints.Entries())
        {
            result[(int)ifindex] = new EndpointEntry(v.EndpointId, v.Identity);
        }
        return result;
    }

    /// <summary>Maps an IP prefix to an identity; <paramref name="endpointId"/> non-zero marks a local endpoint.</summary>
    public void UpsertIpcache(IPNetwork prefix, uint identity, uint endpointId = 0) =>
        Ipcache.Update(IpcacheKeyOf(prefix), new IpcacheValue { Identity = identity, EndpointId = endpointId });

    /// <summary>Removes an IP prefix; false when it was not there.</summary>
    public bool DeleteIpcache(IPNetwork prefix) => Ipcache.Delete(IpcacheKeyOf(prefix));

    /// <summary>
    /// Replaces the whole L3/L4 policy of an endpoint so that no packet sees
    /// a half-applied policy: (1) the new generation's entries are written,
    /// (2) one update of cl7_ep_policy flips the generation and the
    /// enforcement flags, (3) the old generation's entries are deleted. On a
    /// failure before (2) the old policy stays in force.
    /// </summary>
    public void ApplyPolicy(uint endpointId, IReadOnlyList<PolicyMapEntry> entries, bool ingressEnforced, bool egressEnforced, uint revision = 0,
        bool ingressAudit = false, bool egressAudit = false, bool ingressAuditBeside = false, bool egressAuditBeside = false)
    {
        ArgumentNullException.ThrowIfNull(entries);
        lock (_policyGate)
        {
            bool had = EndpointPolicies.TryLookup(endpointId, out var current);
            byte oldGen = had ? current.Gen : (byte)1;
            byte newGen = (byte)(oldGen ^ 1);
            var expanded = PolicyKeyExpander.Expand(endpointId, newGen, entries);

            // :: Step 1: the new generation (clear leftovers of an interrupted apply first)
            DeletePolicyEntries(endpointId, newGen);
            var own = IndexOf(endpointId);
            try
            {
                foreach (var (key, value) in expanded)
                {
                    Policies.Update(key, value);
                    own.Add(key);
                }
            }
            catch
            {
                DeletePolicyEntries(endpointId, newGen);
                throw;
            }

            // :: Step 2: flip, one map update
            byte flags = (byte)((ingressEnforced ? AbiConstants.EpIngressEnforced : 0) | (egressEnforced ? AbiConstants.EpEgressEnforced : 0)
                | (ingressAudit ? AbiConstants.EpIngressAudit : 0) | (egressAudit ? AbiConstants.EpEgressAudit : 0)
                | (ingressAuditBeside ? AbiConstants.EpIngressAuditBeside : 0) | (egressAuditBeside ? AbiConstants.EpEgressAuditBeside : 0));
            EndpointPolicies.Update(endpointId, new EndpointPolicyValue { Gen = newGen, Flags = flags, Revision = revision });

            // :: Step 3: the old generation goes
            DeletePolicyEntries(endpointId, oldGen);
        }
    }

    /// <summary>
    /// Adds entries to the endpoint's policy in force (the active generation), without
    /// touching the others: the incremental path for an address learned from a DNS
    /// answer. A key that already holds a value keeps it (an addition never replaces a
    /// deny or a redirect). Returns how many rows were written; throws when the endpoint
    /// has no policy yet (the caller then applies the whole policy).
    /// </summary>
    public int AddPolicyEntries(uint endpointId, IReadOnlyList<PolicyMapEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        lock (_policyGate)
        {
            if (!EndpointPolicies.TryLookup(endpointId, out var current))
            {
                throw new DatapathException($"endpoint {endpointId} has no policy in the map yet: apply its whole policy first");
            }
            var own = IndexOf(endpointId);
            var written = 0;
            foreach (var (key, value) in PolicyKeyExpander.Expand(endpointId, current.Gen, entries))
            {
                if (Policies.TryLookup(key, out _))
                {
                    continue;
                }
                Policies.Update(key, value);
                own.Add(key);
                written++;
            }
            return written;
        }
    }

    /// <summary>Forgets an endpoint's policy (its traffic is then not enforced).</summary>
    public void DeletePolicy(uint endpointId)
    {
        lock (_policyGate)
        {
            EndpointPolicies.Delete(endpointId);
            DeletePolicyEntries(endpointId, 0);
            DeletePolicyEntries(endpointId, 1);
            _policyIndex?.Remove(endpointId);
        }
    }

    /// <summary>The active policy map rows of an endpoint (after range/protocol expansion).</summary>
    public IReadOnlyList<KeyValuePair<PolicyKey, PolicyValue>> DumpPolicy(uint endpointId)
    {
        var rows = new List<KeyValuePair<PolicyKey, PolicyValue>>();
        if (!EndpointPolicies.TryLookup(endpointId, out var state))
        {
            return rows;
        }
        lock (_policyGate)
        {
            foreach (var key in IndexOf(endpointId))
            {
                if (key.Gen == state.Gen && Policies.TryLookup(key, out var value))
                {
                    rows.Add(new KeyValuePair<PolicyKey, PolicyValue>(key, value));
                }
            }
        }
        return rows;
    }

    /// <summary>The endpoint's active policy read back from the maps; null when it has none.</summary>
    public EndpointPolicyState? ReadPolicy(uint endpointId)
    {
        if (!EndpointPolicies.TryLookup(endpointId, out var state))
        {
            return null;
        }
        var entries = new List<PolicyMapEntry>();
        foreach (var (key, value) in DumpPolicy(endpointId))
        {
            ushort port = 0, endPort = 0;
            if (key.PrefixLen > AbiConstants.PolicyPrefixProto)
            {
                port = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(key.DportBe);
                int blockBits = (int)(AbiConstants.PolicyPrefixFull - key.PrefixLen);
                endPort = blockBits == 0 ? (ushort)0 : (ushort)(port + (1 << blockBits) - 1);
            }
            entries.Add(new PolicyMapEntry(
                (CiliumL7.Policy.TrafficDirection)key.Direction,
                key.Identity,
                key.PrefixLen >= AbiConstants.PolicyPrefixProto ? key.Protocol : (byte)0,
                port,
                endPort,
                (PolicyMapVerdict)value.Verdict,
                value.ProxyPort,
                value.Cookie));
        }
        return new EndpointPolicyState(
            (state.Flags & AbiConstants.EpIngressEnforced) != 0,
            (state.Flags & AbiConstants.EpEgressEnforced) != 0,
            state.Revision,
            entries);
    }

    /// <summary>
    /// Forgets every tracked connection from or to <paramref name="address"/>
    /// (call it when an endpoint goes away, so a pod that gets the address
    /// later inherits no verdicts). Returns how many entries were removed.
    /// </summary>
    public int PurgeConnections(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> want = stackalloc byte[16];
        want.Clear();
        address.TryWriteBytes(want, out _);
        byte family = address.AddressFamily == AddressFamily.InterNetwork ? AbiConstants.FamilyIPv4 : AbiConstants.FamilyIPv6;
        int removed = 0;
        foreach (var key in Connections.Keys())
        {
            var k = key;
            if (k.Family == family &&
                (new ReadOnlySpan<byte>(k.Saddr, 16).SequenceEqual(want) || new ReadOnlySpan<byte>(k.Daddr, 16).SequenceEqual(want)) &&
                Connections.Delete(k))
            {
                removed++;
            }
        }
        return removed;
    }

    /// <summary>
    /// Removes connections idle for longer than <paramref name="idle"/>
    /// (the programs refresh last_seen at most once a second). The LRU map
    /// evicts on its own when full; this keeps it small. Returns the count.
    /// </summary>
    public int CollectIdleConnections(TimeSpan idle)
    {
        ulong now = (ulong)(System.Diagnostics.Stopwatch.GetTimestamp() * (1_000_000_000.0 / System.Diagnostics.Stopwatch.Frequency));
        ulong limit = (ulong)idle.Ticks * 100;
        int removed = 0;
        foreach (var (key, entry) in Connections.Entries())
        {
            if (now >= entry.LastSeenNs && now - entry.LastSeenNs >= limit)
            {
                if (Connections.Delete(key))
                {
                    removed++;
                }
            }
        }
        return removed;
    }

    /// <summary>
    /// Both addresses of every tracked connection whose last packet is at most
    /// <paramref name="window"/> old (last_seen is refreshed at most once a
    /// second, so a window under two seconds can miss a live connection).
    /// </summary>
    public IReadOnlySet<IPAddress> ActiveConnectionPeers(TimeSpan window)
    {
        ulong now = (ulong)(System.Diagnostics.Stopwatch.GetTimestamp() * (1_000_000_000.0 / System.Diagnostics.Stopwatch.Frequency));
        ulong limit = (ulong)window.Ticks * 100;
        var peers = new HashSet<IPAddress>();
        foreach (var (key, entry) in Connections.Entries())
        {
            if (entry.LastSeenNs > now || now - entry.LastSeenNs <= limit)
            {
                var k = key;
                int length = k.Family == AbiConstants.FamilyIPv4 ? 4 : 16;
                peers.Add(new IPAddress(new ReadOnlySpan<byte>(k.Saddr, length)));
                peers.Add(new IPAddress(new ReadOnlySpan<byte>(k.Daddr, length)));
            }
        }
        return peers;
    }

    /// <summary>Starts consuming the event ring buffer; dispose the reader to stop.</summary>
    public DatapathEventReader OpenEventReader(int capacity = 65536) => new(EventsMapFd, capacity);

    /// <summary>The counters, summed over CPUs.</summary>
    public IReadOnlyList<DatapathCounter> ReadCounters()
    {
        int cpus = LibBpf.NumPossibleCpus();
        var perCpu = new MetricsValue[Math.Max(1, cpus)];
        var result = new List<DatapathCounter>();
        for (uint index = 0; index < AbiConstants.CountersMax; index++)
        {
            if (!Counters.TryLookupPerCpu(index, perCpu))
            {
                continue;
            }
            ulong packets = 0, bytes = 0;
            foreach (var v in perCpu)
            {
                packets += v.Packets;
                bytes += v.Bytes;
            }
            if (packets != 0)
            {
                result.Add(new DatapathCounter((byte)(index & 0xff), (byte)(index >> 8), packets, bytes));
            }
        }
        return result;
    }

    /// <summary>Runs a program once on <paramref name="packet"/> (an Ethernet frame) with BPF_PROG_TEST_RUN.</summary>
    /// <param name="program">Which program.</param>
    /// <param name="packet">The frame.</param>
    /// <param name="mark">skb-&gt;mark on entry.</param>
    /// <param name="ifindex">skb-&gt;ifindex (must exist in the caller's netns; 0 = loopback).</param>
    /// <param name="repeat">Runs (the kernel reports the average duration).</param>
    public ProgramTestResult TestRun(DatapathProgram program, ReadOnlySpan<byte> packet, uint mark = 0, int ifindex = 0, int repeat = 1)
    {
        int fd = program == DatapathProgram.FromContainer
            ? _from.ProgramFd(FromContainerProgramName)
            : _to.ProgramFd(ToContainerProgramName);
        const int SkBuffSize = 192; /* struct __sk_buff */
        const int MarkOffset = 8;
        const int IfindexOffset = 40;
        var ctxIn = new byte[SkBuffSize];
        var ctxOut = new byte[SkBuffSize];
        BitConverter.TryWriteBytes(ctxIn.AsSpan(MarkOffset), mark);
        BitConverter.TryWriteBytes(ctxIn.AsSpan(IfindexOffset), ifindex);
        var dataOut = new byte[packet.Length + 256];
        fixed (byte* din = packet)
        fixed (byte* dout = dataOut)
        fixed (byte* cin = ctxIn)
        fixed (byte* cout = ctxOut)
        {
            var opts = new BpfTestRunOpts
            {
                Size = (nuint)sizeof(BpfTestRunOpts),
                DataIn = din,
                DataSizeIn = (uint)packet.Length,
                DataOut = dout,
                DataSizeOut = (uint)dataOut.Length,
                CtxIn = cin,
                CtxSizeIn = SkBuffSize,
                CtxOut = cout,
                CtxSizeOut = SkBuffSize,
                Repeat = Math.Max(1, repeat),
            };
            LibBpf.Check(LibBpf.ProgTestRunOpts(fd, &opts), $"BPF_PROG_TEST_RUN of {program}");
            return new ProgramTestResult((int)opts.Retval, BitConverter.ToUInt32(ctxOut, MarkOffset), dataOut.AsSpan(0, (int)opts.DataSizeOut).ToArray())
            {
                AverageDurationNs = opts.Duration,
            };
        }
    }

    /// <summary>
    /// Removes everything: detaches the programs from every endpoint in the
    /// map (calling thread's netns), closes the objects and deletes
    /// <see cref="BpfRoot"/> with every pin in it.
    /// </summary>
    public void Cleanup()
    {
        Dispose();
        Cleanup(BpfRoot);
    }

    /// <summary>
    /// Removes a datapath from its pins alone (no object needed, e.g. after a
    /// crash): detaches our tc filters from every ifindex in the pinned
    /// endpoint map (calling thread's netns), then deletes the pin directory.
    /// A missing directory is not an error.
    /// </summary>
    public static void Cleanup(string bpfRoot)
    {
        string root = Path.GetFullPath(bpfRoot);
        DetachAllListedIn(Path.Combine(root, "cl7_endpoints"), egressToo: true);
        DetachAllListedIn(Path.Combine(root, "cl7_netdevs"), egressToo: false);
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>
    /// Re-creates every pin removed from <see cref="BpfRoot"/> under the running agent (the maps and programs
    /// themselves live on through the descriptors held here). Returns the names re-pinned; throws
    /// <see cref="DatapathException"/> when a pin cannot be made.
    /// </summary>
    public IReadOnlyList<string> RepairPins()
    {
        if (!Directory.Exists(BpfRoot))
        {
            BpfFs.EnsureDirectory(BpfRoot);
        }
        return [.. _from.RepairPins(), .. _to.RepairPins(), .. _netdev.RepairPins()];
    }

    /// <summary>Closes the objects; pins and attached programs stay (enforcement continues).</summary>
    public void Dispose()
    {
        _from.Dispose();
        _to.Dispose();
        _netdev.Dispose();
    }

    /// <summary>Detaches our filters from every ifindex that is a key of the pinned map (keys are __u32 ifindex).</summary>
    private static void DetachAllListedIn(string mapPin, bool egressToo)
    {
        if (!File.Exists(mapPin))
        {
            return;
        }
        int fd = LibBpf.ObjGet(mapPin);
        if (fd < 0)
        {
            return;
        }
        try
        {
            uint cur = 0, next;
            bool first = true;
            while ((first ? LibBpf.MapGetNextKey(fd, null, &next) : LibBpf.MapGetNextKey(fd, &cur, &next)) == 0)
            {
                TcAttachment.Detach((int)next, ingress: true);
                if (egressToo)
                {
                    TcAttachment.Detach((int)next, ingress: false);
                }
                cur = next;
                first = false;
            }
        }
        finally
        {
            _ = Libc.Close(fd);
        }
    }

    private void DeletePolicyEntries(uint endpointId, byte gen)
    {
        var own = IndexOf(endpointId);
        var doomed = new List<PolicyKey>();
        foreach (var key in own)
        {
            if (key.Gen == gen)
            {
                doomed.Add(key);
            }
        }
        foreach (var key in doomed)
        {
            Policies.Delete(key);
            own.Remove(key);
        }
    }

    /// <summary>The endpoint's key set (caller holds the policy lock).</summary>
    private HashSet<PolicyKey> IndexOf(uint endpointId)
    {
        if (_policyIndex is null)
        {
            var index = new Dictionary<uint, HashSet<PolicyKey>>();
            foreach (var key in Policies.Keys())
            {
                if (!index.TryGetValue(key.EndpointId, out var set))
                {
                    index[key.EndpointId] = set = [];
                }
                set.Add(key);
            }
            _policyIndex = index;
        }
        if (!_policyIndex.TryGetValue(endpointId, out var own))
        {
            _policyIndex[endpointId] = own = [];
        }
        return own;
    }

    internal static IpcacheKey IpcacheKeyOf(IPNetwork prefix)
    {
        var key = new IpcacheKey
        {
            PrefixLen = AbiConstants.IpcachePrefixFixed + (uint)prefix.PrefixLength,
            Family = prefix.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? AbiConstants.FamilyIPv4 : AbiConstants.FamilyIPv6,
        };
        prefix.BaseAddress.TryWriteBytes(new Span<byte>(key.Addr, 16), out _);
        return key;
    }
}
