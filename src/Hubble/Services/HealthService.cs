using CiliumL7.Hubble.Api.Health;
using Grpc.Core;

namespace CiliumL7.Hubble.Services;

/// <summary>
/// The standard <c>grpc.health.v1.Health</c> service on the Hubble endpoints:
/// <c>hubble status</c> checks <c>hubble.server.Observer</c> before it asks for
/// ServerStatus. The services served here are SERVING while the server runs;
/// a name it does not serve is NOT_FOUND (Check) or SERVICE_UNKNOWN (Watch),
/// as the health protocol says.
/// </summary>
public sealed class HealthService : Health.HealthBase
{
    private static readonly string[] Served = ["", "hubble.server.Observer", "observer.Observer", "peer.Peer", "grpc.health.v1.Health"];
    private readonly CancellationToken _stopping;

    /// <summary>Answers SERVING until <paramref name="stopping"/> fires (then NOT_SERVING).</summary>
    public HealthService(CancellationToken stopping = default) => _stopping = stopping;

    /// <inheritdoc/>
    public override Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Array.IndexOf(Served, request.Service) < 0)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"service \"{request.Service}\" is not served here (served: {string.Join(", ", Served[1..])})"));
        }
        return Task.FromResult(new HealthCheckResponse { Status = Current() });
    }

    /// <inheritdoc/>
    public override async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        if (Array.IndexOf(Served, request.Service) < 0)
        {
            await responseStream.WriteAsync(new HealthCheckResponse { Status = HealthCheckResponse.Types.ServingStatus.ServiceUnknown }, context.CancellationToken).ConfigureAwait(false);
            await WaitAsync(context.CancellationToken, CancellationToken.None).ConfigureAwait(false);
            return;
        }
        await responseStream.WriteAsync(new HealthCheckResponse { Status = Current() }, context.CancellationToken).ConfigureAwait(false);
        await WaitAsync(context.CancellationToken, _stopping).ConfigureAwait(false);
        if (!context.CancellationToken.IsCancellationRequested)
        {
            await responseStream.WriteAsync(new HealthCheckResponse { Status = HealthCheckResponse.Types.ServingStatus.NotServing }, context.CancellationToken).ConfigureAwait(false);
        }
    }

    private HealthCheckResponse.Types.ServingStatus Current() =>
        _stopping.IsCancellationRequested ? HealthCheckResponse.Types.ServingStatus.NotServing : HealthCheckResponse.Types.ServingStatus.Serving;

    private static async Task WaitAsync(CancellationToken call, CancellationToken stopping)
    {
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(call, stopping);
            await Task.Delay(Timeout.Infinite, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Client gone or server stopping.
        }
    }
}
