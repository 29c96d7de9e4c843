using CiliumL7.Hubble.Api;
using Grpc.Core;

namespace CiliumL7.Hubble.Tests;

internal static class GrpcCollect
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>Runs a non-follow GetFlows and returns every response.</summary>
    public static async Task<List<GetFlowsResponse>> GetFlowsAsync(this Observer.ObserverClient client, GetFlowsRequest request)
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var call = client.GetFlows(request, cancellationToken: cts.Token);
        var responses = new List<GetFlowsResponse>();
        await foreach (var response in call.ResponseStream.ReadAllAsync(cts.Token))
        {
            responses.Add(response);
        }
        return responses;
    }

    public static List<Flow> Flows(this IEnumerable<GetFlowsResponse> responses)
        => [.. responses.Where(r => r.ResponseTypesCase == GetFlowsResponse.ResponseTypesOneofCase.Flow).Select(r => r.Flow)];

    public static List<string> Summaries(this IEnumerable<GetFlowsResponse> responses)
        => [.. responses.Flows().Select(f => f.Summary)];
}
