using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using CiliumL7.Client.Models;

namespace CiliumL7.Client;

/// <summary>
/// Client of the agent's REST API (<c>/v1</c>) over its unix socket, used by
/// the CLI and the CNI plugin.
/// </summary>
public sealed class AgentClient : IDisposable
{
    /// <summary>Default API socket of a standalone agent.</summary>
    public const string DefaultSocketPath = "/var/run/ciliuml7/agent.sock";

    private readonly HttpClient _http;

    /// <summary>Creates a client for the agent listening on <paramref name="socketPath"/>.</summary>
    public AgentClient(string socketPath, TimeSpan? timeout = null)
    {
        SocketPath = socketPath;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://ciliuml7-agent/v1/"), Timeout = timeout ?? TimeSpan.FromSeconds(30) };
    }

    /// <summary>The socket this client talks to.</summary>
    public string SocketPath { get; }

    /// <summary>How long one request may take (<see cref="Timeout.InfiniteTimeSpan"/>: no limit; the caller's token decides).</summary>
    public TimeSpan RequestTimeout => _http.Timeout;

    /// <summary>
    /// Turns a <c>-H</c> value (<c>unix:///path</c>, a plain path, or null for the default)
    /// into a socket path.
    /// </summary>
    public static string ResolveSocketPath(string? host)
    {
        if (string.IsNullOrWhiteSpace(host))
        {
            return Environment.GetEnvironmentVariable("CILIUML7_AGENT_SOCKET") is { Length: > 0 } env ? env : DefaultSocketPath;
        }
        if (host.StartsWith("unix://", StringComparison.Ordinal))
        {
            return host["unix://".Length..];
        }
        if (host.Contains("://", StringComparison.Ordinal))
        {
            throw new ArgumentException($"unsupported agent address \"{host}\": use unix:///path/to/agent.sock");
        }
        return host;
    }

    /// <summary><c>GET /v1/healthz</c>: true when the agent answers.</summary>
    public async Task<bool> HealthzAsync(CancellationToken ct = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, "healthz"), ct).ConfigureAwait(false);
        return response.IsSuccessStatusCode;
    }

    /// <summary><c>GET /v1/status</c>.</summary>
    public Task<StatusModel> GetStatusAsync(CancellationToken ct = default) =>
        GetAsync("status", ClientJsonContext.Readable.StatusModel, ct);

    /// <summary><c>GET /v1/endpoint</c>.</summary>
    public async Task<IReadOnlyList<EndpointModel>> ListEndpointsAsync(CancellationToken ct = default) =>
        await GetAsync("endpoint", ClientJsonContext.Readable.ListEndpointModel, ct).ConfigureAwait(false);

    /// <summary><c>GET /v1/endpoint/{id}</c>; id is numeric, <c>container-id:X</c> or <c>pod:ns/name</c>. Null when absent.</summary>
    public Task<EndpointModel?> GetEndpointAsync(string id, CancellationToken ct = default) =>
        GetOrNullAsync("endpoint/" + Uri.EscapeDataString(id), ClientJsonContext.Readable.EndpointModel, ct);

    /// <summary><c>PUT /v1/endpoint/container-id:{id}</c>: registers an endpoint the CNI plugin wired up.</summary>
    public async Task<EndpointModel> CreateEndpointAsync(EndpointCreateRequest request, CancellationToken ct = default)
    {
        var message = new HttpRequestMessage(HttpMethod.Put, "endpoint/" + Uri.EscapeDataString("container-id:" + request.ContainerId))
        {
            Content = JsonContent.Create(request, ClientJsonContext.Readable.EndpointCreateRequest),
        };
        return await ReadAsync(message, ClientJsonContext.Readable.EndpointModel, ct).ConfigureAwait(false);
    }

    /// <summary><c>PATCH /v1/endpoint/{id}/config?audit=on|off</c>: the endpoint's audit mode.</summary>
    public async Task<EndpointModel> SetEndpointAuditAsync(string id, bool on, CancellationToken ct = default)
    {
        var message = new HttpRequestMessage(HttpMethod.Patch, "endpoint/" + Uri.EscapeDataString(id) + "/config?audit=" + (on ? "on" : "off"));
        return await ReadAsync(message, ClientJsonContext.Readable.EndpointModel, ct).ConfigureAwait(false);
    }

    /// <summary><c>DELETE /v1/endpoint/{id}</c>; false when there was no such endpoint.</summary>
    public Task<bool> DeleteEndpointAsync(string id, CancellationToken ct = default) =>
        DeleteAsync("endpoint/" + Uri.EscapeDataString(id), ct);

    /// <summary><c>GET /v1/nodes</c>: the nodes of the cluster (just this one on a standalone node).</summary>
    public async Task<IReadOnlyList<NodeModel>> ListNodesAsync(CancellationToken ct = default) =>
        await GetAsync("nodes", ClientJsonContext.Readable.ListNodeModel, ct).ConfigureAwait(false);

    /// <summary><c>GET /v1/identity</c>.</summary>
    public async Task<IReadOnlyList<IdentityModel>> ListIdentitiesAsync(CancellationToken ct = default) =>
        await GetAsync("identity", ClientJsonContext.Readable.ListIdentityModel, ct).ConfigureAwait(false);

    /// <summary><c>GET /v1/policy</c>.</summary>
    public Task<PolicyModel> GetPolicyAsync(CancellationToken ct = default) =>
        GetAsync("policy", ClientJsonContext.Readable.PolicyModel, ct);

    /// <summary><c>PUT /v1/policy</c>: imports YAML (one or more documents). Validation errors throw <see cref="AgentException"/> with every error.</summary>
    public Task<PolicyImportResult> ImportPolicyAsync(string yaml, string? sourceName = null, CancellationToken ct = default)
    {
        var path = sourceName is null ? "policy" : "policy?source=" + Uri.EscapeDataString(sourceName);
        var message = new HttpRequestMessage(HttpMethod.Put, path) { Content = new StringContent(yaml, Encoding.UTF8, "application/yaml") };
        return ReadAsync(message, ClientJsonContext.Readable.PolicyImportResult, ct);
    }

    /// <summary>
    /// How long the agent holds <c>GET /v1/status?wait-applied=N</c> before answering with
    /// the state it has (below the client's request timeout).
    /// </summary>
    public static readonly TimeSpan WaitAppliedLimit = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Asks <c>GET /v1/status?wait-applied=N</c> (the agent answers as soon as policy
    /// <paramref name="revision"/> or a newer one is in force, or regenerating it failed)
    /// until that is reported or <paramref name="timeout"/> passes; an agent that answers
    /// at once (no long-poll support) is polled with a growing delay.
    /// </summary>
    public async Task<PolicyApplyWait> WaitForPolicyAppliedAsync(long revision, TimeSpan timeout, CancellationToken ct = default)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(25);
        long applied = 0;
        while (true)
        {
            var remaining = timeout - clock.Elapsed;
            if (remaining > TimeSpan.Zero)
            {
                using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
                bounded.CancelAfter(remaining);
                try
                {
                    var status = await GetAsync("status?wait-applied=" + revision.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        ClientJsonContext.Readable.StatusModel, bounded.Token).ConfigureAwait(false);
                    applied = status.PolicyRevisionApplied;
                    if (applied >= revision)
                    {
                        return new PolicyApplyWait(true, applied, null);
                    }
                    if (status.PolicyApplyError is { } error && status.PolicyApplyErrorRevision >= revision)
                    {
                        return new PolicyApplyWait(false, applied, error);
                    }
                }
                catch (Exception e) when (!ct.IsCancellationRequested && e is OperationCanceledException or AgentTimeoutException)
                {
                    return new PolicyApplyWait(false, applied, null);
                }
                remaining = timeout - clock.Elapsed;
            }
            if (remaining <= TimeSpan.Zero)
            {
                return new PolicyApplyWait(false, applied, null);
            }
            await Task.Delay(delay < remaining ? delay : remaining, ct).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
        }
    }

    /// <summary><c>DELETE /v1/policy</c>: one imported resource by name (and namespace), or all of them.</summary>
    public Task<PolicyDeleteResult> DeletePolicyAsync(string? name, string? ns, bool all, CancellationToken ct = default)
    {
        var query = all ? "policy?all=true" : "policy?name=" + Uri.EscapeDataString(name ?? "") + (ns is null ? "" : "&namespace=" + Uri.EscapeDataString(ns));
        return ReadAsync(new HttpRequestMessage(HttpMethod.Delete, query), ClientJsonContext.Readable.PolicyDeleteResult, ct);
    }

    /// <summary><c>GET /v1/ipam</c>.</summary>
    public Task<IpamStatusModel> GetIpamAsync(CancellationToken ct = default) =>
        GetAsync("ipam", ClientJsonContext.Readable.IpamStatusModel, ct);

    /// <summary><c>POST /v1/ipam</c>: allocates (idempotently per owner) a pod address.</summary>
    public Task<IpamAllocation> AllocateIpAsync(string owner, CancellationToken ct = default)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, "ipam")
        {
            Content = JsonContent.Create(new IpamAllocateRequest { Owner = owner }, ClientJsonContext.Readable.IpamAllocateRequest),
        };
        return ReadAsync(message, ClientJsonContext.Readable.IpamAllocation, ct);
    }

    /// <summary><c>DELETE /v1/ipam/{ip}</c>; false when the address was not allocated.</summary>
    public Task<bool> ReleaseIpAsync(string ip, CancellationToken ct = default) =>
        DeleteAsync("ipam/" + Uri.EscapeDataString(ip), ct);

    /// <summary><c>GET /v1/endpoint/{id}/bpf-policy</c>.</summary>
    public Task<BpfPolicyModel?> GetBpfPolicyAsync(string id, CancellationToken ct = default) =>
        GetOrNullAsync("endpoint/" + Uri.EscapeDataString(id) + "/bpf-policy", ClientJsonContext.Readable.BpfPolicyModel, ct);

    /// <summary><c>GET /v1/drops</c>: the most recent datapath drop events.</summary>
    public async Task<IReadOnlyList<DropEventModel>> GetDropsAsync(CancellationToken ct = default) =>
        await GetAsync("drops", ClientJsonContext.Readable.ListDropEventModel, ct).ConfigureAwait(false);

    /// <summary><c>GET /v1/service</c>: every service (spec, VIP, DNS names, frontends with backends) as the agent's JSON array.</summary>
    public Task<JsonElement> ListServicesAsync(CancellationToken ct = default) =>
        ReadDocumentAsync(new HttpRequestMessage(HttpMethod.Get, "service"), ct);

    /// <summary><c>PUT /v1/service</c>: creates or updates a service from its spec; returns the service as the agent holds it.</summary>
    public Task<JsonElement> UpsertServiceAsync(JsonNode spec, CancellationToken ct = default)
    {
        var message = new HttpRequestMessage(HttpMethod.Put, "service") { Content = JsonContent.Create(spec, ClientJsonContext.Readable.JsonNode) };
        return ReadDocumentAsync(message, ct);
    }

    /// <summary><c>DELETE /v1/service/{namespace}/{name}</c>; false when the agent had no such service.</summary>
    public Task<bool> DeleteServiceAsync(string ns, string name, CancellationToken ct = default) =>
        DeleteAsync("service/" + Uri.EscapeDataString(ns) + "/" + Uri.EscapeDataString(name), ct);

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    /// <summary><c>GET /v1/fqdn/cache</c>: learned names per endpoint, and expired addresses kept for open connections.</summary>
    public async Task<IReadOnlyList<FqdnCacheEntryModel>> ListFqdnCacheAsync(CancellationToken ct = default) =>
        await GetAsync("fqdn/cache", ClientJsonContext.Readable.ListFqdnCacheEntryModel, ct).ConfigureAwait(false);

    /// <summary><c>DELETE /v1/fqdn/cache</c> (optionally one endpoint, or names matching a pattern): forgets learned names.</summary>
    public Task<FqdnCleanResult> CleanFqdnCacheAsync(long? endpointId = null, string? matchPattern = null, CancellationToken ct = default)
    {
        var query = new List<string>();
        if (endpointId is { } id)
        {
            query.Add("endpoint=" + id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (matchPattern is not null)
        {
            query.Add("matchpattern=" + Uri.EscapeDataString(matchPattern));
        }
        var path = "fqdn/cache" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
        return ReadAsync(new HttpRequestMessage(HttpMethod.Delete, path), ClientJsonContext.Readable.FqdnCleanResult, ct);
    }

    private Task<T> GetAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken ct) =>
        ReadAsync(new HttpRequestMessage(HttpMethod.Get, path), type, ct);

    private async Task<T?> GetOrNullAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken ct)
        where T : class
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(type, ct).ConfigureAwait(false);
    }

    private async Task<bool> DeleteAsync(string path, CancellationToken ct)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Delete, path), ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
        return true;
    }

    private async Task<T> ReadAsync<T>(HttpRequestMessage message, JsonTypeInfo<T> type, CancellationToken ct)
    {
        using var response = await SendAsync(message, ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(type, ct).ConfigureAwait(false)
            ?? throw new AgentException(response.StatusCode, "the agent sent an empty answer", []);
    }

    private async Task<JsonElement> ReadDocumentAsync(HttpRequestMessage message, CancellationToken ct)
    {
        using var response = await SendAsync(message, ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(ClientJsonContext.Readable.JsonElement, ct).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage message, CancellationToken ct)
    {
        var request = message.Method + " /v1/" + message.RequestUri?.OriginalString.Split('?')[0];
        try
        {
            using (message)
            {
                return await _http.SendAsync(message, ct).ConfigureAwait(false);
            }
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException or IOException || e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            throw new AgentUnavailableException(SocketPath, e.InnerException ?? e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            // HttpClient.Timeout: say so (a bare cancellation would end the CLI silently).
            throw new AgentTimeoutException(SocketPath, request, _http.Timeout, e);
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        ErrorModel? error = null;
        try
        {
            error = JsonSerializer.Deserialize(body, ClientJsonContext.Readable.ErrorModel);
        }
        catch (JsonException)
        {
            error = ServiceError(body);
        }
        throw new AgentException(response.StatusCode, error?.Message ?? $"agent answered {(int)response.StatusCode} {response.ReasonPhrase}", error?.Errors ?? []);
    }

    /// <summary>The <c>{"error": "…"}</c> body of the service API (<c>/v1/service</c>), else null.</summary>
    private static ErrorModel? ServiceError(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var e) && e.GetString() is { } text
                ? new ErrorModel { Message = text }
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
