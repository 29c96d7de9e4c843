using CiliumL7.Datapath.Interop;

namespace CiliumL7.Datapath.Services;

/// <summary>
/// The pinned socket-LB maps of one agent (<c>&lt;bpf-root&gt;/ciliuml7_lb_svc</c>,
/// <c>ciliuml7_lb_be</c>). Backend ids are allocated here and shared by
/// every frontend that uses the same (address, port, protocol); opening the
/// maps rebuilds that bookkeeping from what is pinned, so an agent restart
/// continues where the last one stopped without flushing anything.
/// </summary>
/// <remarks>
/// Update order (also in bpf/include/abi.h): new backends, then slots
/// 1..n, then the master slot 0 with count n (the switch), then stale slots,
/// then unreferenced backends. Delete: master first. Thread-safe.
/// </remarks>
public sealed unsafe class LoadBalancerMaps : ILoadBalancerMaps, IDisposable
{
    /// <summary>Pin name of the frontend/slot map.</summary>
    public const string ServiceMapName = "ciliuml7_lb_svc";

    /// <summary>Pin name of the backend map.</summary>
    public const string BackendMapName = "ciliuml7_lb_be";

    /// <summary>Pin name of the (socket cookie, backend) → VIP map.</summary>
    public const string RevSkMapName = "ciliuml7_lb_rsk";

    /// <summary>Pin name of the served network namespaces map.</summary>
    public const string NetnsMapName = "ciliuml7_lb_ns";

    private readonly Lock _lock = new();
    private readonly int _svcFd;
    private readonly int _beFd;
    private readonly int _nsFd;
    private readonly int _rskFd; // only held: the programs use it, the pin must be re-creatable
    private readonly Dictionary<(LbBackend Backend, LbProtocol Proto), uint> _backendIds = [];
    private readonly Dictionary<uint, int> _backendRefs = [];
    private readonly Dictionary<LbFrontend, (ushort RevNat, uint[] Ids)> _frontends = [];
    private uint _nextBackendId = 1;
    private bool _disposed;

    private LoadBalancerMaps(int svcFd, int beFd, int nsFd, int rskFd)
    {
        _svcFd = svcFd;
        _beFd = beFd;
        _nsFd = nsFd;
        _rskFd = rskFd;
        Restore();
    }

    /// <summary>Opens the maps pinned under <paramref name="bpfRoot"/> (created by <see cref="SocketLbLoader.Install"/>).</summary>
    /// <exception cref="IOException">A map is not pinned there.</exception>
    public static LoadBalancerMaps Open(string bpfRoot)
    {
        var fds = new List<int>(4);
        try
        {
            foreach (var name in (string[])[ServiceMapName, BackendMapName, NetnsMapName, RevSkMapName])
            {
                fds.Add(OpenPinned(Path.Combine(bpfRoot, name)));
            }
        }
        catch
        {
            foreach (var fd in fds)
            {
                Libc.Close(fd);
            }
            throw;
        }
        return new LoadBalancerMaps(fds[0], fds[1], fds[2], fds[3]);
    }

    /// <summary>
    /// Pins again, under <paramref name="bpfRoot"/>, each of these maps whose pin was removed while they are in
    /// use (the descriptors held here keep them alive). Returns the names re-pinned.
    /// </summary>
    /// <exception cref="IOException">A pin could not be re-created.</exception>
    public IReadOnlyList<string> RepairPins(string bpfRoot)
    {
        var repaired = new List<string>();
        lock (_lock)
        {
            foreach (var (name, fd) in (ReadOnlySpan<(string, int)>)[(ServiceMapName, _svcFd), (BackendMapName, _beFd), (NetnsMapName, _nsFd), (RevSkMapName, _rskFd)])
            {
                var pin = Path.Combine(bpfRoot, name);
                if (File.Exists(pin))
                {
                    continue;
                }
                var ret = LibBpf.ObjPin(fd, pin);
                if (ret != 0 && Errno.FromResult(ret) is var err && err != 17 /* EEXIST */)
                {
                    throw new IOException("cannot re-pin " + pin + ": " + Errno.Describe(err));
                }
                repaired.Add(name);
            }
        }
        return repaired;
    }

    /// <inheritdoc/>
    public void ServeNetns(ulong cookie)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var value = default(LbNetns);
            Check(LibBpf.MapUpdateElem(_nsFd, &cookie, &value, LibBpf.BpfAny), "serve netns " + cookie, default);
        }
    }

    /// <inheritdoc/>
    public void UnserveNetns(ulong cookie)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            LibBpf.MapDeleteElem(_nsFd, &cookie);
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<ulong> ServedNetns()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var keys = Keys<ulong>(_nsFd);
            keys.Sort();
            return keys;
        }
    }

    /// <inheritdoc/>
    public void UpsertService(LbFrontend frontend, ushort revNatIndex, IReadOnlyList<LbBackend> backends)
    {
        if (backends.Count > ushort.MaxValue - 1)
        {
            throw new ArgumentException("a frontend holds at most 65534 backends; " + frontend + " has " + backends.Count, nameof(backends));
        }
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _frontends.TryGetValue(frontend, out var old);
            var ids = new uint[backends.Count];
            // :: Step 1: backends that are new (refcount shared across frontends).
            for (var i = 0; i < ids.Length; i++)
            {
                ids[i] = AcquireBackend(backends[i], frontend.Protocol);
            }
            // :: Step 2: slots 1..n.
            for (var i = 0; i < ids.Length; i++)
            {
                var key = Lb4Key.For(frontend, (ushort)(i + 1));
                var value = new Lb4Service { BackendId = ids[i] };
                Check(LibBpf.MapUpdateElem(_svcFd, &key, &value, LibBpf.BpfAny), "update slot", frontend);
            }
            // :: Step 3: the master entry with the new count: the switch.
            var master = Lb4Key.For(frontend, 0);
            var mv = new Lb4Service { Count = (ushort)ids.Length, RevNatIndex = revNatIndex };
            Check(LibBpf.MapUpdateElem(_svcFd, &master, &mv, LibBpf.BpfAny), "update master", frontend);
            // :: Step 4: stale slots beyond the new count (slots are contiguous: stop at the first gap).
            var oldIds = old.Ids ?? [];
            DeleteSlotsFrom(frontend, ids.Length + 1);
            // :: Step 5: backends nobody references any more.
            foreach (var id in oldIds)
            {
                ReleaseBackend(id);
            }
            _frontends[frontend] = (revNatIndex, ids);
        }
    }

    /// <inheritdoc/>
    public void DeleteService(LbFrontend frontend)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_frontends.Remove(frontend, out var old))
            {
                return;
            }
            var master = Lb4Key.For(frontend, 0);
            LibBpf.MapDeleteElem(_svcFd, &master);
            DeleteSlotsFrom(frontend, 1);
            foreach (var id in old.Ids)
            {
                ReleaseBackend(id);
            }
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<LbServiceState> ListServices()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var masters = new List<(Lb4Key Key, Lb4Service Value)>();
            var slots = new Dictionary<Lb4Key, uint>();
            foreach (var key in Keys<Lb4Key>(_svcFd))
            {
                var k = key;
                Lb4Service v;
                if (LibBpf.MapLookupElem(_svcFd, &k, &v) != 0)
                {
                    continue;
                }
                if (k.BackendSlot == 0)
                {
                    masters.Add((k, v));
                }
                else
                {
                    slots[k] = v.BackendId;
                }
            }
            var result = new List<LbServiceState>(masters.Count);
            foreach (var (key, value) in masters)
            {
                var frontend = new LbFrontend(LbWire.Address(key.Address), LbWire.Port(key.DPort), (LbProtocol)key.Proto);
                var backends = new List<LbBackend>(value.Count);
                for (var s = 1; s <= value.Count; s++)
                {
                    var sk = key;
                    sk.BackendSlot = (ushort)s;
                    if (slots.TryGetValue(sk, out var id) && LookupBackend(id) is { } be)
                    {
                        backends.Add(be);
                    }
                }
                result.Add(new LbServiceState(frontend, value.RevNatIndex, backends));
            }
            return result;
        }
    }

    /// <summary>Closes the map descriptors (the pinned maps and their content stay).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            Libc.Close(_svcFd);
            Libc.Close(_beFd);
            Libc.Close(_nsFd);
            Libc.Close(_rskFd);
        }
    }

    private void DeleteSlotsFrom(LbFrontend frontend, int first)
    {
        for (var slot = first; slot < ushort.MaxValue; slot++)
        {
            var key = Lb4Key.For(frontend, (ushort)slot);
            if (LibBpf.MapDeleteElem(_svcFd, &key) != 0)
            {
                return;
            }
        }
    }

    private uint AcquireBackend(LbBackend backend, LbProtocol proto)
    {
        if (_backendIds.TryGetValue((backend, proto), out var id))
        {
            _backendRefs[id]++;
            return id;
        }
        while (_backendRefs.ContainsKey(_nextBackendId) || _nextBackendId == 0)
        {
            _nextBackendId++;
        }
        id = _nextBackendId++;
        var value = new Lb4Backend { Address = LbWire.Address(backend.Address), Port = LbWire.Port(backend.Port), Proto = (byte)proto };
        Check(LibBpf.MapUpdateElem(_beFd, &id, &value, LibBpf.BpfAny), "update backend " + backend, default);
        _backendIds[(backend, proto)] = id;
        _backendRefs[id] = 1;
        return id;
    }

    private void ReleaseBackend(uint id)
    {
        if (!_backendRefs.TryGetValue(id, out var refs))
        {
            return;
        }
        if (refs > 1)
        {
            _backendRefs[id] = refs - 1;
            return;
        }
        _backendRefs.Remove(id);
        foreach (var (k, v) in _backendIds)
        {
            if (v == id)
            {
                _backendIds.Remove(k);
                break;
            }
        }
        LibBpf.MapDeleteElem(_beFd, &id);
    }

    private LbBackend? LookupBackend(uint id)
    {
        Lb4Backend be;
        return LibBpf.MapLookupElem(_beFd, &id, &be) == 0 ? new LbBackend(LbWire.Address(be.Address), LbWire.Port(be.Port)) : null;
    }

    /// <summary>Rebuilds frontends, backend ids and refcounts from the pinned maps.</summary>
    private void Restore()
    {
        foreach (var id in Keys<uint>(_beFd))
        {
            var k = id;
            Lb4Backend be;
            if (LibBpf.MapLookupElem(_beFd, &k, &be) != 0)
            {
                continue;
            }
            var backend = new LbBackend(LbWire.Address(be.Address), LbWire.Port(be.Port));
            _backendIds[(backend, (LbProtocol)be.Proto)] = id;
            _backendRefs[id] = 0;
            _nextBackendId = Math.Max(_nextBackendId, id + 1);
        }
        foreach (var state in ListServices())
        {
            var ids = new List<uint>(state.Backends.Count);
            foreach (var backend in state.Backends)
            {
                if (_backendIds.TryGetValue((backend, state.Frontend.Protocol), out var id))
                {
                    _backendRefs[id]++;
                    ids.Add(id);
                }
            }
            _frontends[state.Frontend] = (state.RevNatIndex, [.. ids]);
        }
    }

    private static List<T> Keys<T>(int fd)
        where T : unmanaged
    {
        var keys = new List<T>();
        T cur = default, next = default;
        var first = true;
        for (var guard = 0; guard < 1_000_000; guard++)
        {
            int ret = first ? LibBpf.MapGetNextKey(fd, null, &next) : LibBpf.MapGetNextKey(fd, &cur, &next);
            if (ret != 0)
            {
                break;
            }
            keys.Add(next);
            cur = next;
            first = false;
        }
        return keys;
    }

    private static int OpenPinned(string path)
    {
        var fd = LibBpf.ObjGet(path);
        if (fd < 0)
        {
            throw new IOException("cannot open pinned BPF map " + path + ": " + Errno.Describe(Errno.FromResult(fd)) + "; is the socket load balancer installed (SocketLbLoader.Install)?");
        }
        return fd;
    }

    private static void Check(int ret, string what, LbFrontend frontend)
    {
        if (ret != 0)
        {
            throw new IOException("socket LB map " + what + (frontend.Address is null ? "" : " for " + frontend) + " failed: " + Errno.Describe(Errno.FromResult(ret)));
        }
    }
}
