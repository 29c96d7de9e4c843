using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;

namespace CiliumL7.Agent.Kubernetes;

/// <summary>The two calls of the list/watch contract for one resource type, as JSON.</summary>
internal interface IListWatchApi
{
    /// <summary>One page of the list (<c>limit</c>, <c>continue</c>): the List object.</summary>
    Task<JsonObject> ListAsync(string? continueToken, int limit, CancellationToken ct);

    /// <summary>A watch from <paramref name="resourceVersion"/> with bookmarks, ended by the server after <paramref name="timeoutSeconds"/>.</summary>
    IAsyncEnumerable<(WatchEventType Type, JsonObject? Object)> WatchAsync(string resourceVersion, int timeoutSeconds, Action<Exception> onError, CancellationToken ct);
}

/// <summary>
/// <c>/apis/GROUP/VERSION/PLURAL</c> across namespaces, through KubernetesClient's custom-object
/// calls (the path layout is the same for CRDs and built-in API groups).
/// </summary>
internal sealed class GroupListWatchApi(IKubernetes client, KubernetesResource resource) : IListWatchApi
{
    public async Task<JsonObject> ListAsync(string? continueToken, int limit, CancellationToken ct)
    {
        using var response = await client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync(
            resource.Group, resource.Version, resource.Plural, continueParameter: continueToken, limit: limit, cancellationToken: ct).ConfigureAwait(false);
        return JsonSerializer.SerializeToNode(response.Body) as JsonObject ?? throw new JsonException($"list of {resource} is not a JSON object");
    }

    public async IAsyncEnumerable<(WatchEventType Type, JsonObject? Object)> WatchAsync(string resourceVersion, int timeoutSeconds, Action<Exception> onError,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var events = client.CustomObjects.WatchListClusterCustomObjectAsync(resource.Group, resource.Version, resource.Plural,
            allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: ct);
        await foreach (var (type, body) in events.ConfigureAwait(false))
        {
            yield return (type, JsonSerializer.SerializeToNode(body) as JsonObject);
        }
    }
}

/// <summary>The core group's <c>/api/v1/pods</c> and <c>services</c> (all namespaces), <c>namespaces</c> and <c>nodes</c>, through the typed calls.</summary>
internal sealed class CoreListWatchApi(IKubernetes client, KubernetesResource resource) : IListWatchApi
{
    public async Task<JsonObject> ListAsync(string? continueToken, int limit, CancellationToken ct)
    {
        object body = resource.Plural switch
        {
            "pods" => (await client.CoreV1.ListPodForAllNamespacesWithHttpMessagesAsync(continueParameter: continueToken, limit: limit, cancellationToken: ct).ConfigureAwait(false)).Body,
            "namespaces" => (await client.CoreV1.ListNamespaceWithHttpMessagesAsync(continueParameter: continueToken, limit: limit, cancellationToken: ct).ConfigureAwait(false)).Body,
            "services" => (await client.CoreV1.ListServiceForAllNamespacesWithHttpMessagesAsync(continueParameter: continueToken, limit: limit, cancellationToken: ct).ConfigureAwait(false)).Body,
            "nodes" => (await client.CoreV1.ListNodeWithHttpMessagesAsync(continueParameter: continueToken, limit: limit, cancellationToken: ct).ConfigureAwait(false)).Body,
            _ => throw new NotSupportedException(resource.ToString()),
        };
        return JsonNode.Parse(KubernetesJson.Serialize(body)) as JsonObject ?? throw new JsonException($"list of {resource} is not a JSON object");
    }

    public IAsyncEnumerable<(WatchEventType Type, JsonObject? Object)> WatchAsync(string resourceVersion, int timeoutSeconds, Action<Exception> onError, CancellationToken ct) =>
        resource.Plural switch
        {
            "pods" => AsJson(client.CoreV1.WatchListPodForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: resourceVersion,
                timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: ct), ct),
            "services" => AsJson(client.CoreV1.WatchListServiceForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: resourceVersion,
                timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: ct), ct),
            "nodes" => AsJson(client.CoreV1.WatchListNodeAsync(allowWatchBookmarks: true, resourceVersion: resourceVersion,
                timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: ct), ct),
            "namespaces" => AsJson(client.CoreV1.WatchListNamespaceAsync(allowWatchBookmarks: true, resourceVersion: resourceVersion,
                timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: ct), ct),
            _ => throw new NotSupportedException(resource.ToString()),
        };

    private static async IAsyncEnumerable<(WatchEventType Type, JsonObject? Object)> AsJson<T>(IAsyncEnumerable<(WatchEventType, T)> events,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var (type, obj) in events.WithCancellation(ct).ConfigureAwait(false))
        {
            yield return (type, JsonNode.Parse(KubernetesJson.Serialize(obj)) as JsonObject);
        }
    }
}
