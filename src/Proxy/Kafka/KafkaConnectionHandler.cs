using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using CiliumL7.Policy;
using CiliumL7.Policy.L7;
using CiliumL7.Proxy.Flows;
using CiliumL7.Proxy.Transport;

namespace CiliumL7.Proxy.Kafka;

/// <summary>
/// Serves one redirected Kafka connection: one upstream connection per client
/// connection (Kafka connections are long-lived and stateful), to the original
/// destination, marked so the datapath does not redirect it again and bound to the
/// client's address when transparent; then <see cref="KafkaProxyConnection"/> runs
/// over both pipes. The rule set is read from the current policy for every request.
/// </summary>
internal sealed class KafkaConnectionHandler(ProxyRuntime runtime) : IProxyConnectionHandler
{
    public async Task OnConnectionAsync(ProxyConnection connection)
    {
        var redirect = connection.Redirect;
        var clientPeer = runtime.Peers.Resolve(connection.Client.Address) ?? PeerInfo.World;
        var serverPeer = runtime.Peers.Resolve(connection.OriginalDestination.Address) ?? PeerInfo.World;
        var remote = redirect.Key.Direction == TrafficDirection.Ingress ? clientPeer : serverPeer;
        var judge = new KafkaRuleSetJudge(() => runtime.Policy?.GetRules<KafkaRuleSet>(redirect.Key, remote.Identity));
        var flows = new KafkaFlowPublisher(
            runtime,
            redirect,
            new FlowEndpoint(connection.Client.Address, (ushort)connection.Client.Port, clientPeer),
            new FlowEndpoint(connection.OriginalDestination.Address, (ushort)connection.OriginalDestination.Port, serverPeer));

        Socket upstream;
        try
        {
            // A broker outside the cluster is reached from the node's address (its answers come back to the node).
            upstream = await ConnectAsync(redirect.TestUpstreamNetworkNamespace, serverPeer.IsOutsideCluster ? null : connection.Client.Address, connection.OriginalDestination, connection.ConnectionClosed).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or TimeoutException or OperationCanceledException or IOException)
        {
            Log.KafkaUpstreamFailed(runtime.Logger, connection.OriginalDestination, e.Message);
            connection.Abort("upstream unreachable");
            return;
        }
        await using var stream = new NetworkStream(upstream, ownsSocket: true);
        var pipe = new StreamDuplexPipe(PipeReader.Create(stream), PipeWriter.Create(stream));
        using var proxied = new KafkaProxyConnection(connection.Transport, pipe, judge, flows, runtime.Options.Kafka);
        await proxied.RunAsync(connection.ConnectionClosed).ConfigureAwait(false);
        if (proxied.CloseReason is { } reason)
        {
            Log.KafkaConnectionClosed(runtime.Logger, connection.Client, reason);
        }
    }

    private async Task<Socket> ConnectAsync(string? testNamespace, IPAddress? client, IPEndPoint destination, CancellationToken cancellationToken)
    {
        var options = runtime.Options;
        var socket = NetworkNamespace.CreateTcpSocket(testNamespace ?? options.NetworkNamespace, destination.AddressFamily);
        try
        {
            socket.NoDelay = true;
            if (options.UpstreamMark != 0)
            {
                LinuxSocketOptions.SetMark(socket, options.UpstreamMark);
            }
            if (options.TransparentUpstream && client is not null && client.AddressFamily == destination.AddressFamily)
            {
                LinuxSocketOptions.SetTransparent(socket);
                socket.Bind(new IPEndPoint(client, 0));
            }
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(options.UpstreamConnectTimeout);
            await socket.ConnectAsync(destination, deadline.Token).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private sealed class StreamDuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
