using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using CiliumL7.Proxy.Transport;

namespace CiliumL7.Proxy.Dns;

/// <summary>
/// The pooled UDP upstream of one DNS server: one connected socket shared by every
/// query to that server, each query sent under a fresh random id (its own is put back
/// in the answer), answers matched by id in a pending table of bounded size.
/// <code>
///  ExchangeAsync: id ← random unused, table[id] = (buffer, original id) ─► send
///  receive thread: datagram ─► table[id]? copy, restore the id, complete   (else dropped: late or spoofed)
///  timeout / cancel ─► removed from the table ─► the caller answers SERVFAIL
///  ICMP unreachable (connection refused) ─► every pending query fails at once
/// </code>
/// The receive thread blocks in recv and completes a query's wait inline: the rest of the
/// query (check the answer, flows, the reply to the pod) runs on it, with no thread-pool hop.
/// Whatever may wait on a lock (a datapath write for a new address) is handed to the thread
/// pool first (<see cref="OnReceiveThread"/>), so one slow answer never holds up the others.
/// </summary>
internal sealed class DnsUdpUpstreamServer : IDisposable
{
    private readonly Socket _socket;
    private readonly IPEndPoint _server;
    private readonly int _maxPending;
    private readonly Lock _gate = new();
    private readonly Dictionary<ushort, Pending> _pending = [];
    private readonly CancellationTokenSource _stop = new();
    private long _lastUse = Environment.TickCount64;

    [ThreadStatic]
    private static bool t_onReceiveThread;

    private DnsUdpUpstreamServer(Socket socket, IPEndPoint server, int maxPending)
    {
        _socket = socket;
        _server = server;
        _maxPending = maxPending;
    }

    /// <summary>Queries waiting for their answer.</summary>
    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>True on a receive thread (while an answer's query finishes inline on it).</summary>
    public static bool OnReceiveThread => t_onReceiveThread;

    /// <summary><see cref="Environment.TickCount64"/> of the last query.</summary>
    public long LastUse => Interlocked.Read(ref _lastUse);

    /// <summary>Opens the socket (marked, connected to <paramref name="server"/>) and starts its receive loop.</summary>
    public static DnsUdpUpstreamServer Open(ProxyOptions options, IPEndPoint server, int maxPending)
    {
        var socket = NetworkNamespace.CreateUdpSocket(options.NetworkNamespace, server.AddressFamily);
        try
        {
            if (options.UpstreamMark != 0)
            {
                LinuxSocketOptions.SetMark(socket, options.UpstreamMark);
            }
            socket.ReceiveBufferSize = 4 << 20;
            socket.ReceiveTimeout = 250; // the receive thread notices Dispose within this
            socket.Connect(server);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var upstream = new DnsUdpUpstreamServer(socket, server, maxPending);
        var slice = options.IoThreadSlice;
        new Thread(() => upstream.ReceiveLoop(slice)) { IsBackground = true, Name = "dns-upstream" }.Start();
        return upstream;
    }

    /// <summary>Sends <paramref name="query"/> and returns the answer's length in <paramref name="answer"/>; throws on timeout, a full table or a socket error.</summary>
    public async Task<int> ExchangeAsync(ReadOnlyMemory<byte> query, Memory<byte> answer, CancellationToken token)
    {
        Interlocked.Exchange(ref _lastUse, Environment.TickCount64);
        var pending = new Pending(answer, BinaryPrimitives.ReadUInt16BigEndian(query.Span));
        ushort id;
        lock (_gate)
        {
            if (_pending.Count >= _maxPending)
            {
                throw new IOException($"{_pending.Count} queries already wait for DNS server {_server}: over the proxy's bound");
            }
            do
            {
                id = (ushort)Random.Shared.Next(0, 65536);
            }
            while (_pending.ContainsKey(id));
            _pending[id] = pending;
        }
        try
        {
            using (token.Register(static p => ((Pending)p!).Done.TrySetCanceled(), pending))
            {
                Send(query.Span, id);
                return await pending.Done.Task.ConfigureAwait(false);
            }
        }
        finally
        {
            lock (_gate)
            {
                if (_pending.TryGetValue(id, out var p) && p == pending)
                {
                    _pending.Remove(id);
                }
            }
        }
    }

    /// <summary>
    /// A synchronous send (UDP: it does not wait for the server): an async operation would turn
    /// the socket non-blocking and the receive thread's recv into a wait on the socket engine.
    /// </summary>
    private void Send(ReadOnlySpan<byte> query, ushort id)
    {
        var copy = ArrayPool<byte>.Shared.Rent(query.Length);
        try
        {
            query.CopyTo(copy);
            BinaryPrimitives.WriteUInt16BigEndian(copy, id);
            _socket.Send(copy.AsSpan(0, query.Length), SocketFlags.None);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    private void ReceiveLoop(TimeSpan slice)
    {
        t_onReceiveThread = true;
        IoThreadSlice.TrySetCurrentThread(slice);
        var buffer = new byte[DnsQueryProcessor.MaxMessage];
        while (!_stop.IsCancellationRequested)
        {
            int n;
            try
            {
                n = _socket.Receive(buffer, SocketFlags.None);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock or SocketError.Interrupted)
            {
                continue; // idle: look at _stop again
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable)
            {
                FailAll(e);
                continue;
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
                FailAll(e);
                return;
            }
            if (n < DnsMessageParser.HeaderLength)
            {
                continue;
            }
            Pending? pending;
            var fits = false;
            lock (_gate)
            {
                // Copied under the lock: a query that times out leaves (and gives its buffer back)
                // only through the lock in ExchangeAsync's finally, so never during this copy.
                if (_pending.Remove(BinaryPrimitives.ReadUInt16BigEndian(buffer), out pending) && pending.Answer.Length >= n)
                {
                    buffer.AsSpan(0, n).CopyTo(pending.Answer.Span);
                    BinaryPrimitives.WriteUInt16BigEndian(pending.Answer.Span, pending.OriginalId);
                    fits = true;
                }
            }
            if (pending is null)
            {
                continue; // no query waits for this id: late, duplicate or spoofed
            }
            try
            {
                if (!fits)
                {
                    pending.Done.TrySetException(new IOException($"DNS answer of {n} bytes is larger than the proxy's buffer"));
                    continue;
                }
                pending.Done.TrySetResult(n); // the query's continuation runs here, inline
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // the continuations catch their own errors; nothing may end this loop
                _ = e;
            }
        }
    }

    private void FailAll(Exception e)
    {
        List<Pending> failed;
        lock (_gate)
        {
            failed = [.. _pending.Values];
            _pending.Clear();
        }
        foreach (var p in failed)
        {
            p.Done.TrySetException(new IOException($"DNS server {_server}: {e.Message}", e));
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        FailAll(new ObjectDisposedException(nameof(DnsUdpUpstreamServer)));
    }

    private sealed class Pending(Memory<byte> answer, ushort originalId)
    {
        public Memory<byte> Answer { get; } = answer;

        public ushort OriginalId { get; } = originalId;

        public TaskCompletionSource<int> Done { get; } = new(); // continuations inline, on the receive thread
    }
}
