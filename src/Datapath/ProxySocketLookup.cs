using System.Net.Sockets;
using CiliumL7.Datapath.Abi;
using CiliumL7.Datapath.Interop;
using CiliumL7.Datapath.Loading;

namespace CiliumL7.Datapath;

/// <summary>
/// The node's <c>sk_lookup</c> program (bpf/sk-lookup.c) attached to the
/// calling thread's network namespace, and the map of proxy listeners it
/// answers with. It lets a client reuse its port while the proxy's accepted
/// socket of the previous connection still sits in TIME_WAIT: from-container
/// leaves such a SYN to the stack, the stack retires the TIME_WAIT and asks
/// for a listener, and the program hands it the proxy listener of the
/// connection's redirect (CT entry → <c>cl7_proxy_listeners</c>).
/// <para>
/// The link is not pinned: it lives as long as this object (the agent
/// process), like the listeners it points at. A listener leaves the map by
/// itself when its socket closes.
/// </para>
/// </summary>
public sealed unsafe class ProxySocketLookup : IDisposable
{
    /// <summary>Program name of sk-lookup in its object.</summary>
    public const string ProgramName = "cl7_sk_lookup";

    /// <summary>Name (and pin) of the listener map.</summary>
    public const string ListenerMapName = "cl7_proxy_listeners";

    private readonly BpfObjectFile _object;
    private readonly int _listenersFd;
    private int _linkFd;
    private bool _disposed;

    private ProxySocketLookup(BpfObjectFile obj, int linkFd)
    {
        _object = obj;
        _linkFd = linkFd;
        _listenersFd = obj.MapFd(ListenerMapName);
    }

    /// <summary>
    /// Loads <c>sk-lookup.o</c> from <paramref name="bpfObjectDir"/> (maps pinned
    /// under, or reused from, <paramref name="bpfRoot"/>) and attaches it to the
    /// network namespace of the calling thread.
    /// </summary>
    /// <exception cref="DatapathException">The object is missing, the verifier refused it, or the kernel refused the link.</exception>
    public static ProxySocketLookup Attach(string bpfObjectDir, string bpfRoot)
    {
        var obj = LoadObject(bpfObjectDir, bpfRoot);
        var netnsFd = -1;
        try
        {
            netnsFd = Libc.Open("/proc/thread-self/ns/net", Libc.O_RDONLY | Libc.O_CLOEXEC);
            if (netnsFd < 0)
            {
                throw new DatapathException("cannot open /proc/thread-self/ns/net: " + Errno.Describe(Errno.FromResult(-1)));
            }
            var linkFd = LibBpf.LinkCreate(obj.ProgramFd(ProgramName), netnsFd, obj.ProgramAttachType(ProgramName), 0);
            if (linkFd < 0)
            {
                throw new DatapathException("cannot attach " + ProgramName + " to the network namespace (BPF_SK_LOOKUP needs Linux 5.9+): " + Errno.Describe(Errno.FromResult(linkFd)));
            }
            return new ProxySocketLookup(obj, linkFd);
        }
        catch
        {
            obj.Dispose();
            throw;
        }
        finally
        {
            if (netnsFd >= 0)
            {
                _ = Libc.Close(netnsFd);
            }
        }
    }

    /// <summary>
    /// Loads the program and its maps without attaching it anywhere (for
    /// <see cref="TestRun"/>: the program decides, the stack never asks it).
    /// </summary>
    public static ProxySocketLookup Load(string bpfObjectDir, string bpfRoot) => new(LoadObject(bpfObjectDir, bpfRoot), -1);

    private static BpfObjectFile LoadObject(string bpfObjectDir, string bpfRoot)
    {
        ArgumentNullException.ThrowIfNull(bpfObjectDir);
        ArgumentNullException.ThrowIfNull(bpfRoot);
        var root = Path.GetFullPath(bpfRoot);
        BpfFs.EnsureDirectory(root);
        return BpfObjectFile.Load(Path.Combine(bpfObjectDir, "sk-lookup.o"), root);
    }

    /// <summary>
    /// Runs the program once (BPF_PROG_TEST_RUN) for a connection from
    /// <paramref name="remote"/> to <paramref name="local"/> and returns the
    /// cookie of the socket it selected, 0 when it selected none.
    /// </summary>
    public ulong TestRun(System.Net.IPEndPoint remote, System.Net.IPEndPoint local, ProtocolType protocol = ProtocolType.Tcp)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentNullException.ThrowIfNull(local);
        if (remote.AddressFamily != local.AddressFamily)
        {
            throw new ArgumentException("both ends must be of one address family", nameof(local));
        }
        /* struct bpf_sk_lookup: cookie u64 @0, family @8, protocol @12, remote_ip4 @16,
         * remote_ip6 @20, remote_port (be16) @36, local_ip4 @40, local_ip6 @44,
         * local_port (host order) @60, ingress_ifindex @64; 72 bytes */
        const int Size = 72;
        var ctx = new byte[Size];
        var v4 = remote.AddressFamily == AddressFamily.InterNetwork;
        BitConverter.TryWriteBytes(ctx.AsSpan(8), v4 ? 2u : 10u);
        BitConverter.TryWriteBytes(ctx.AsSpan(12), (uint)protocol);
        remote.Address.TryWriteBytes(ctx.AsSpan(v4 ? 16 : 20), out _);
        local.Address.TryWriteBytes(ctx.AsSpan(v4 ? 40 : 44), out _);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(ctx.AsSpan(36), (ushort)remote.Port);
        BitConverter.TryWriteBytes(ctx.AsSpan(60), (uint)local.Port);
        var ctxOut = new byte[Size];
        fixed (byte* cin = ctx)
        fixed (byte* cout = ctxOut)
        {
            var opts = new BpfTestRunOpts
            {
                Size = (nuint)sizeof(BpfTestRunOpts),
                CtxIn = cin,
                CtxSizeIn = Size,
                CtxOut = cout,
                CtxSizeOut = Size,
                Repeat = 1,
            };
            LibBpf.Check(LibBpf.ProgTestRunOpts(_object.ProgramFd(ProgramName), &opts), "BPF_PROG_TEST_RUN of " + ProgramName);
        }
        return BitConverter.ToUInt64(ctxOut, 0);
    }

    /// <summary>The kernel's cookie of a socket (SO_COOKIE), as <see cref="TestRun"/> reports it.</summary>
    public static ulong SocketCookie(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        const int SoCookie = 57;
        var value = new byte[8];
        socket.GetRawSocketOption(1 /* SOL_SOCKET */, SoCookie, value);
        return BitConverter.ToUInt64(value);
    }

    /// <summary>
    /// Registers a proxy listener: a TCP socket in LISTEN state, bound to
    /// <c>0.0.0.0:proxyPort</c> or <c>[::]:proxyPort</c> in this namespace.
    /// Replaces an earlier registration of the same port and family.
    /// </summary>
    /// <exception cref="DatapathException">The kernel refused the socket (e.g. not listening yet).</exception>
    public void Register(ushort proxyPort, Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ObjectDisposedException.ThrowIf(_disposed, this);
        uint key = KeyOf(socket.AddressFamily, proxyPort);
        ulong fd = (ulong)socket.SafeHandle.DangerousGetHandle();
        var ret = LibBpf.MapUpdateElem(_listenersFd, &key, &fd, 0 /* BPF_ANY */);
        if (ret != 0)
        {
            throw new DatapathException($"cannot register proxy listener :{proxyPort} ({socket.AddressFamily}) in {ListenerMapName}: {Errno.Describe(Errno.FromResult(ret))}");
        }
    }

    /// <summary>Is a listener registered for this port and family?</summary>
    public bool IsRegistered(ushort proxyPort, AddressFamily family)
    {
        uint key = KeyOf(family, proxyPort);
        ulong cookie;
        /* a lookup from user space returns the socket cookie */
        return LibBpf.MapLookupElem(_listenersFd, &key, &cookie) == 0;
    }

    /// <summary>Re-creates the listener map's pin if it was removed (the object holds the live map).</summary>
    public IReadOnlyList<string> RepairPins() => _object.RepairPins();

    /// <summary>Detaches the program (closes the link) and closes the object; the pinned map stays.</summary>
    public void Dispose()
    {
        _disposed = true;
        if (_linkFd >= 0)
        {
            _ = Libc.Close(_linkFd);
            _linkFd = -1;
        }
        _object.Dispose();
    }

    private static uint KeyOf(AddressFamily family, ushort proxyPort)
    {
        uint abiFamily = family switch
        {
            AddressFamily.InterNetwork => AbiConstants.FamilyIPv4,
            AddressFamily.InterNetworkV6 => AbiConstants.FamilyIPv6,
            _ => throw new ArgumentException("proxy listeners are IPv4 or IPv6 sockets, not " + family, nameof(family)),
        };
        return abiFamily << 16 | proxyPort;
    }
}
