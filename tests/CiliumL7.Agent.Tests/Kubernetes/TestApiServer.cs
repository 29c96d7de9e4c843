using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CiliumL7.Agent.Tests.Kubernetes;

/// <summary>
/// TEST SUPPORT ONLY — a stand-in for a Kubernetes API server, because none can run on
/// these machines. It implements the list/watch contract for the resources the agent
/// watches, as the real one does: a global resourceVersion; lists in pages
/// (<c>limit</c>/<c>continue</c>) from one snapshot; watches from a resourceVersion replaying
/// what followed it, then live events; BOOKMARK events when asked for; <c>timeoutSeconds</c>;
/// a too-old resourceVersion (compacted history) answered with an ERROR event carrying a
/// 410 Expired Status; bearer-token authentication; merge patches of the status subresource. It is fed with ordinary Kubernetes YAML
/// and reached through a real kubeconfig by KubernetesClient. It records every request
/// (verb, group, resource) so RBAC can be checked against what the agent really calls.
/// </summary>
internal sealed class TestApiServer : IAsyncDisposable
{
    private static readonly Dictionary<string, (string Group, string Version, string Plural, bool Namespaced)> Kinds = new()
    {
        ["CiliumNetworkPolicy"] = ("cilium.io", "v2", "ciliumnetworkpolicies", true),
        ["CiliumClusterwideNetworkPolicy"] = ("cilium.io", "v2", "ciliumclusterwidenetworkpolicies", false),
        ["NetworkPolicy"] = ("networking.k8s.io", "v1", "networkpolicies", true),
        ["Pod"] = ("", "v1", "pods", true),
        ["Namespace"] = ("", "v1", "namespaces", false),
        ["Service"] = ("", "v1", "services", true),
        ["EndpointSlice"] = ("discovery.k8s.io", "v1", "endpointslices", true),
        ["Node"] = ("", "v1", "nodes", false),
    };

    private readonly object _lock = new();
    private readonly WebApplication _app;
    private readonly SortedDictionary<string, JsonObject> _objects = new(StringComparer.Ordinal); // plural/ns/name
    private readonly List<(long Rv, string Plural, string Type, JsonObject Obj)> _history = [];
    private readonly List<Watch> _watches = [];
    private readonly ConcurrentDictionary<string, (long Rv, List<JsonObject> Items)> _snapshots = new();
    private long _rv = 100;
    private long _compactedBelow;

    private TestApiServer(WebApplication app, string token)
    {
        _app = app;
        Token = token;
    }

    public string Token { get; }

    public Uri Address { get; private set; } = null!;

    /// <summary>Every request: "list group/plural", "watch group/plural rv=N", "list-continue group/plural".</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public long ResourceVersion { get { lock (_lock) { return _rv; } } }

    public int OpenWatches { get { lock (_lock) { return _watches.Count; } } }

    /// <summary>While true, every new watch is refused with 503 (the API server unreachable for watches).</summary>
    public bool RefuseWatches { get; set; }

    public static async Task<TestApiServer> StartAsync(string? unixSocket = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (unixSocket is not null)
        {
            builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(unixSocket));
        }
        else
        {
            builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        }
        var app = builder.Build();
        var server = new TestApiServer(app, Convert.ToHexString(Guid.NewGuid().ToByteArray()));
        app.MapGet("/apis/{group}/{version}/{plural}", (HttpContext http, string group, string version, string plural) => server.HandleAsync(http, group, version, plural, null));
        app.MapGet("/api/{version}/{plural}", (HttpContext http, string version, string plural) => server.HandleAsync(http, "", version, plural, null));
        app.MapGet("/api/{version}/namespaces/{ns}/{plural}", (HttpContext http, string version, string ns, string plural) => server.HandleAsync(http, "", version, plural, ns));
        // Single objects, for what `ciliuml7 install / status / hubble enable` do: server-side apply,
        // merge patch and read, namespaced and cluster-scoped, any group.
        app.MapMethods("/api/v1/namespaces/{ns}/{plural}/{name}", ["GET", "PATCH"], server.ObjectAsync);
        app.MapMethods("/api/v1/{plural}/{name}", ["GET", "PATCH"], server.ObjectAsync);
        app.MapMethods("/apis/{group}/{version}/namespaces/{ns}/{plural}/{name}", ["GET", "PATCH"], server.ObjectAsync);
        app.MapMethods("/apis/{group}/{version}/{plural}/{name}", ["GET", "PATCH"], server.ObjectAsync);
        // The status subresource of watched objects (what the agent writes: a CNP's Valid condition).
        app.MapPatch("/apis/{group}/{version}/namespaces/{ns}/{plural}/{name}/status", (HttpContext http, string plural, string ns, string name) => server.PatchStatusAsync(http, plural, ns, name));
        app.MapPatch("/apis/{group}/{version}/{plural}/{name}/status", (HttpContext http, string plural, string name) => server.PatchStatusAsync(http, plural, "", name));
        await app.StartAsync().ConfigureAwait(false);
        server.Address = unixSocket is null ? new Uri(app.Urls.First()) : new Uri("http://localhost");
        return server;
    }

    /// <summary>A kubeconfig for <paramref name="server"/> (default: this server's address) with this server's token.</summary>
    public string WriteKubeconfig(string path, string? server = null)
    {
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: test
              cluster:
                server: {server ?? Address.ToString().TrimEnd('/')}
            users:
            - name: ciliuml7
              user:
                token: {Token}
            contexts:
            - name: test
              context:
                cluster: test
                user: ciliuml7
            current-context: test
            """);
        return path;
    }

    /// <summary>Creates or replaces the objects of a YAML file (kubectl apply): one ADDED/MODIFIED event each.</summary>
    public void Apply(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        foreach (var doc in stream.Documents)
        {
            if (CiliumL7.Cli.Kubernetes.ClusterClient.ToJson(doc.RootNode) is not JsonObject obj)
            {
                continue;
            }
            var kind = obj["kind"]!.GetValue<string>();
            var (_, _, plural, namespaced) = Kinds[kind];
            var meta = obj["metadata"]!.AsObject();
            if (namespaced && meta["namespace"] is null)
            {
                meta["namespace"] = "default";
            }
            lock (_lock)
            {
                var key = Key(plural, meta["namespace"]?.GetValue<string>() ?? "", meta["name"]!.GetValue<string>());
                var type = _objects.TryGetValue(key, out var existing) ? "MODIFIED" : "ADDED";
                if (obj["status"] is null && existing?["status"] is { } status)
                {
                    obj["status"] = status.DeepClone(); // an update of the object leaves its status (subresource) alone
                }
                meta["resourceVersion"] = (++_rv).ToString(System.Globalization.CultureInfo.InvariantCulture);
                meta["uid"] ??= Guid.NewGuid().ToString();
                meta["managedFields"] = new JsonArray(new JsonObject { ["manager"] = "kubectl", ["operation"] = "Apply" });
                _objects[key] = obj;
                Emit(plural, type, obj);
            }
        }
    }

    public bool Delete(string kind, string ns, string name)
    {
        var plural = Kinds[kind].Plural;
        lock (_lock)
        {
            if (!_objects.Remove(Key(plural, ns, name), out var obj))
            {
                return false;
            }
            obj = (JsonObject)obj.DeepClone();
            obj["metadata"]!["resourceVersion"] = (++_rv).ToString(System.Globalization.CultureInfo.InvariantCulture);
            Emit(plural, "DELETED", obj);
            return true;
        }
    }

    /// <summary>Forgets the event history (etcd compaction): a watch from an older resourceVersion gets 410.</summary>
    public void Compact()
    {
        lock (_lock)
        {
            _history.Clear();
            _compactedBelow = _rv; // a watch from the current resourceVersion misses nothing

        }
    }

    /// <summary>Sends a BOOKMARK with the current resourceVersion on every watch that asked for them.</summary>
    public void Bookmark()
    {
        lock (_lock)
        {
            foreach (var w in _watches.Where(w => w.Bookmarks))
            {
                var (group, version, plural) = w.Resource;
                var kind = Kinds.First(k => k.Value.Plural == plural).Key;
                w.Send("BOOKMARK", new JsonObject
                {
                    ["apiVersion"] = group.Length == 0 ? version : $"{group}/{version}",
                    ["kind"] = kind,
                    ["metadata"] = new JsonObject { ["resourceVersion"] = _rv.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                });
            }
        }
    }

    /// <summary>Cuts every open watch connection (a network blip or an API server restart).</summary>
    public void DropWatches()
    {
        lock (_lock)
        {
            foreach (var w in _watches)
            {
                w.Abort();
            }
            _watches.Clear();
        }
    }

    private void Emit(string plural, string type, JsonObject obj)
    {
        var rv = long.Parse(obj["metadata"]!["resourceVersion"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        _history.Add((rv, plural, type, (JsonObject)obj.DeepClone()));
        foreach (var w in _watches.Where(w => w.Resource.Plural == plural))
        {
            w.Send(type, obj);
        }
    }

    private async Task HandleAsync(HttpContext http, string group, string version, string plural, string? onlyNamespace)
    {
        if (http.Request.Headers.Authorization != "Bearer " + Token)
        {
            http.Response.StatusCode = 401;
            await http.Response.WriteAsJsonAsync(Status(401, "Unauthorized", "Unauthorized")).ConfigureAwait(false);
            return;
        }
        if (!Kinds.Values.Any(k => k.Group == group && k.Version == version && k.Plural == plural))
        {
            http.Response.StatusCode = 404;
            await http.Response.WriteAsJsonAsync(Status(404, "NotFound", $"the server could not find the requested resource ({group}/{version} {plural})")).ConfigureAwait(false);
            return;
        }
        var q = http.Request.Query;
        if (q["watch"] is { Count: > 0 } w && (w[0] == "true" || w[0] == "1"))
        {
            await WatchAsync(http, group, version, plural).ConfigureAwait(false);
            return;
        }
        var limit = int.TryParse(q["limit"], out var l) && l > 0 ? l : int.MaxValue;
        var cont = q["continue"].ToString();
        Requests.Enqueue((cont.Length > 0 ? "list-continue " : "list ") + $"{group}/{plural}");
        (long Rv, List<JsonObject> Items) snapshot;
        var offset = 0;
        if (cont.Length > 0)
        {
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(cont)).Split(':');
            if (!_snapshots.TryGetValue(parts[0], out snapshot) || snapshot.Rv < Interlocked.Read(ref _compactedBelow))
            {
                http.Response.StatusCode = 410;
                await http.Response.WriteAsJsonAsync(Status(410, "Expired", "The provided continue parameter is too old")).ConfigureAwait(false);
                return;
            }
            offset = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            lock (_lock)
            {
                var selector = q["labelSelector"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).ToList();
                snapshot = (_rv, [.. _objects.Where(kv => kv.Key.StartsWith(plural + "/" + (onlyNamespace is null ? "" : onlyNamespace + "/"), StringComparison.Ordinal))
                    .Where(kv => selector.All(p => kv.Value["metadata"]?["labels"]?[p[0]]?.GetValue<string>() == p[1]))
                    .Select(kv => (JsonObject)kv.Value.DeepClone())]);
            }
        }
        var page = snapshot.Items.Skip(offset).Take(limit).ToList();
        string? next = null;
        if (offset + page.Count < snapshot.Items.Count)
        {
            var id = Guid.NewGuid().ToString("N");
            _snapshots[id] = snapshot;
            next = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{id}:{offset + page.Count}"));
        }
        var kind = Kinds.First(k => k.Value.Plural == plural).Key;
        var items = new JsonArray();
        foreach (var item in page)
        {
            if (group != "cilium.io")
            {
                // The real API server leaves apiVersion/kind out of built-in types' list items.
                item.Remove("apiVersion");
                item.Remove("kind");
            }
            items.Add(item);
        }
        var list = new JsonObject
        {
            ["apiVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["kind"] = kind + "List",
            ["metadata"] = new JsonObject { ["resourceVersion"] = snapshot.Rv.ToString(System.Globalization.CultureInfo.InvariantCulture), ["continue"] = next },
            ["items"] = items,
        };
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(list.ToJsonString()).ConfigureAwait(false);
    }

    /// <summary>Objects written with PATCH, by path (e.g. <c>/apis/apps/v1/namespaces/kube-system/daemonsets/ciliuml7</c>).</summary>
    public ConcurrentDictionary<string, JsonObject> Written { get; } = new(StringComparer.Ordinal);

    /// <summary>Sets an object's status, as its controller would (the DaemonSet controller's counts).</summary>
    public void SetStatus(string path, JsonObject status)
    {
        lock (_lock)
        {
            Written[path]["status"] = status;
        }
    }

    private async Task ObjectAsync(HttpContext http)
    {
        if (http.Request.Headers.Authorization != "Bearer " + Token)
        {
            http.Response.StatusCode = 401;
            return;
        }
        var path = http.Request.Path.Value!;
        var contentType = http.Request.ContentType ?? "";
        Requests.Enqueue($"{http.Request.Method.ToLowerInvariant()} {path}");
        var text = HttpMethods.IsGet(http.Request.Method) ? "" : await new StreamReader(http.Request.Body).ReadToEndAsync().ConfigureAwait(false);
        JsonObject? result;
        lock (_lock)
        {
            Written.TryGetValue(path, out var existing);
            if (HttpMethods.IsGet(http.Request.Method))
            {
                result = existing ?? Watched(path);
            }
            else
            {
                var body = JsonNode.Parse(text) as JsonObject;
                if (body is null)
                {
                    http.Response.StatusCode = 400;
                    return;
                }
                if (contentType.StartsWith("application/apply-patch", StringComparison.Ordinal))
                {
                    if (string.IsNullOrEmpty(http.Request.Query["fieldManager"]))
                    {
                        http.Response.StatusCode = 400; // the real server: fieldManager is required for apply
                        return;
                    }
                    // One field manager owns the whole object here: the applied object replaces it; status stays.
                    if (existing?["status"] is { } status)
                    {
                        body["status"] = status.DeepClone();
                    }
                    result = body;
                }
                else if (contentType.StartsWith("application/merge-patch+json", StringComparison.Ordinal) && existing is not null)
                {
                    result = (JsonObject)MergePatch(existing.DeepClone(), body)!;
                }
                else
                {
                    result = null;
                }
                if (result is not null)
                {
                    var meta = result["metadata"] as JsonObject ?? new JsonObject();
                    result["metadata"] = meta;
                    var changed = existing is null || existing["spec"]?.ToJsonString() != result["spec"]?.ToJsonString();
                    var generation = existing?["metadata"]?["generation"]?.GetValue<long>() ?? 0;
                    meta["generation"] = changed ? generation + 1 : generation;
                    meta["resourceVersion"] = (++_rv).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    Written[path] = result;
                }
            }
        }
        if (result is null)
        {
            http.Response.StatusCode = 404;
            await http.Response.WriteAsJsonAsync(Status(404, "NotFound", $"{path} not found")).ConfigureAwait(false);
            return;
        }
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(result.ToJsonString()).ConfigureAwait(false);
    }

    /// <summary>A watched object by its URL path (<c>/api/v1/nodes/NAME</c>, <c>/apis/G/V/namespaces/NS/PLURAL/NAME</c>), or null.</summary>
    private JsonObject? Watched(string path)
    {
        var parts = path.Trim('/').Split('/');
        var rest = parts[0] == "api" ? parts[2..] : parts[3..];
        var (ns, plural, name) = rest.Length == 4 && rest[0] == "namespaces" ? (rest[1], rest[2], rest[3]) : rest.Length == 2 ? ("", rest[0], rest[1]) : ("", "", "");
        return _objects.TryGetValue(Key(plural, ns, name), out var obj) ? (JsonObject)obj.DeepClone() : null;
    }

    /// <summary>
    /// PATCH of a watched object's status subresource (merge patch, as the real server: only
    /// <c>status</c> changes, metadata.generation does not; a MODIFIED event follows).
    /// </summary>
    private async Task PatchStatusAsync(HttpContext http, string plural, string ns, string name)
    {
        if (http.Request.Headers.Authorization != "Bearer " + Token)
        {
            http.Response.StatusCode = 401;
            return;
        }
        Requests.Enqueue($"patch {http.Request.Path.Value}");
        if (!(http.Request.ContentType ?? "").StartsWith("application/merge-patch+json", StringComparison.Ordinal))
        {
            http.Response.StatusCode = 415;
            await http.Response.WriteAsJsonAsync(Status(415, "UnsupportedMediaType", $"the test API server takes merge patches only, not {http.Request.ContentType}")).ConfigureAwait(false);
            return;
        }
        var body = JsonNode.Parse(await new StreamReader(http.Request.Body).ReadToEndAsync().ConfigureAwait(false)) as JsonObject;
        JsonObject? result = null;
        lock (_lock)
        {
            if (body is not null && _objects.TryGetValue(Key(plural, ns, name), out var existing))
            {
                var patched = (JsonObject)MergePatch(existing.DeepClone(), body)!;
                result = (JsonObject)existing.DeepClone();
                result["status"] = patched["status"]?.DeepClone();
                result["metadata"]!["resourceVersion"] = (++_rv).ToString(System.Globalization.CultureInfo.InvariantCulture);
                _objects[Key(plural, ns, name)] = result;
                Emit(plural, "MODIFIED", result);
            }
        }
        if (result is null)
        {
            http.Response.StatusCode = body is null ? 400 : 404;
            await http.Response.WriteAsJsonAsync(Status(http.Response.StatusCode, body is null ? "BadRequest" : "NotFound", $"{plural} {ns}/{name} not found")).ConfigureAwait(false);
            return;
        }
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(result.ToJsonString()).ConfigureAwait(false);
    }

    /// <summary>A watched object as the server holds it now (a copy), or null.</summary>
    public JsonObject? Get(string kind, string ns, string name)
    {
        lock (_lock)
        {
            return _objects.TryGetValue(Key(Kinds[kind].Plural, ns, name), out var obj) ? (JsonObject)obj.DeepClone() : null;
        }
    }

    /// <summary>RFC 7386 JSON merge patch.</summary>
    private static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject p)
        {
            return patch?.DeepClone();
        }
        var t = target as JsonObject ?? new JsonObject();
        foreach (var (key, value) in p.ToList())
        {
            if (value is null)
            {
                t.Remove(key);
            }
            else
            {
                var merged = MergePatch(t[key]?.DeepClone(), value);
                t.Remove(key);
                t[key] = merged;
            }
        }
        return t;
    }

    private async Task WatchAsync(HttpContext http, string group, string version, string plural)
    {
        var q = http.Request.Query;
        var rv = long.TryParse(q["resourceVersion"], out var r) ? r : 0;
        var bookmarks = q["allowWatchBookmarks"] == "true";
        var timeout = int.TryParse(q["timeoutSeconds"], out var t) && t > 0 ? TimeSpan.FromSeconds(t) : TimeSpan.FromMinutes(30);
        Requests.Enqueue($"watch {group}/{plural} rv={rv}");
        if (RefuseWatches)
        {
            http.Response.StatusCode = 503;
            await http.Response.WriteAsJsonAsync(Status(503, "ServiceUnavailable", "the test API server refuses watches")).ConfigureAwait(false);
            return;
        }
        http.Response.ContentType = "application/json";
        var watch = new Watch((group, version, plural), bookmarks, http);
        lock (_lock)
        {
            if (rv < _compactedBelow)
            {
                watch.Send("ERROR", Status(410, "Expired", $"too old resource version: {rv} ({_compactedBelow})"));
                watch.Complete();
            }
            else
            {
                foreach (var e in _history.Where(e => e.Plural == plural && e.Rv > rv))
                {
                    watch.Send(e.Type, e.Obj);
                }
                _watches.Add(watch);
            }
        }
        await http.Response.StartAsync().ConfigureAwait(false);
        using var timer = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, http.RequestAborted);
        try
        {
            await foreach (var line in watch.Lines.Reader.ReadAllAsync(linked.Token).ConfigureAwait(false))
            {
                await http.Response.WriteAsync(line + "\n", linked.Token).ConfigureAwait(false);
                await http.Response.Body.FlushAsync(linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // timeoutSeconds reached (the server ends the watch) or the client went away
        }
        finally
        {
            lock (_lock)
            {
                _watches.Remove(watch);
            }
        }
    }

    private static JsonObject Status(int code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };

    private static string Key(string plural, string ns, string name) => $"{plural}/{ns}/{name}";

    public async ValueTask DisposeAsync()
    {
        DropWatches();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class Watch((string Group, string Version, string Plural) resource, bool bookmarks, HttpContext http)
    {
        public (string Group, string Version, string Plural) Resource { get; } = resource;

        public bool Bookmarks { get; } = bookmarks;

        public System.Threading.Channels.Channel<string> Lines { get; } = System.Threading.Channels.Channel.CreateUnbounded<string>();

        public void Send(string type, JsonObject obj) =>
            Lines.Writer.TryWrite(new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString());

        public void Complete() => Lines.Writer.TryComplete();

        public void Abort()
        {
            Lines.Writer.TryComplete();
            http.Abort();
        }
    }
}
