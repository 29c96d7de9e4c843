using CiliumL7.Hubble.Api.Health;
using Grpc.Core;

namespace CiliumL7.Hubble.Tests;

/// <summary>grpc.health.v1 on the Hubble endpoint, as `hubble status` checks it before ServerStatus.</summary>
public sealed class HealthGrpcTests
{
    [Theory]
    [InlineData("hubble.server.Observer")]
    [InlineData("")]
    [InlineData("peer.Peer")]
    public async Task Check_ServedService_IsServing(string service)
    {
        await using var hubble = await TestHubble.StartAsync();

        var response = await hubble.HealthClient().CheckAsync(new HealthCheckRequest { Service = service });

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Check_UnknownService_IsNotFound()
    {
        await using var hubble = await TestHubble.StartAsync();

        var error = await Assert.ThrowsAsync<RpcException>(async () => await hubble.HealthClient().CheckAsync(new HealthCheckRequest { Service = "no.such.Service" }));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("hubble.server.Observer", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_ServedService_StreamsServingFirst()
    {
        await using var hubble = await TestHubble.StartAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        using var call = hubble.HealthClient().Watch(new HealthCheckRequest { Service = "hubble.server.Observer" }, cancellationToken: cancel.Token);

        Assert.True(await call.ResponseStream.MoveNext(cancel.Token));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, call.ResponseStream.Current.Status);
    }
}
