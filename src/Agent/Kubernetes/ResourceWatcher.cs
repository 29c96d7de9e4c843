using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.Kubernetes;

/// <summary>
/// List, then watch, one resource type — the API server's contract, kept under reconnects:
/// the list is read in pages (<c>limit</c>/<c>continue</c>) and gives the resourceVersion the
/// watch starts from; the watch asks for bookmarks, so a quiet type still advances its
/// resourceVersion; a watch that ends (server timeout, dropped connection) is reopened from
/// the last resourceVersion seen, so nothing between is missed; "410 Gone" (that version was
/// compacted away) means list again, and the list's reconcile applies deletes that happened
/// meanwhile. Objects present before and after a relist are never removed in between.
/// Failures back off exponentially up to <see cref="MaxBackoff"/>.
/// </summary>
/// <remarks>
/// The agent runs with inline socket completions, so the continuation of a read from the API
/// server can run on the socket engine's own thread. Sinks may block (NodeSink runs <c>ip</c>,
/// whose output pipes complete on that same engine; the load balancer writes maps), so every
/// page and every event is handed to the thread pool before it reaches a sink: a sink that
/// blocked the engine thread would otherwise wait for itself (seen: the agent's API stalled).
/// </remarks>
internal sealed partial class ResourceWatcher
{
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly IListWatchApi _api;
    private readonly KubernetesResource _resource;
    private readonly string _name;
    private readonly IResourceSink _sink;
    private readonly ILogger _logger;
    private readonly int _pageSize;
    private readonly TimeSpan _watchTimeout;
    private readonly TimeSpan _firstBackoff;
    private long _lists;
    private long _watches;
    private volatile string? _resourceVersion;
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ResourceWatcher(IKubernetes client, KubernetesResource resource, IResourceSink sink, ILogger logger,
        int pageSize = 500, TimeSpan? watchTimeout = null, TimeSpan? firstBackoff = null)
    {
        _api = resource.Api(client);
        _resource = resource;
        _name = resource.ToString();
        _sink = sink;
        _logger = logger;
        _pageSize = pageSize;
        _watchTimeout = watchTimeout ?? TimeSpan.FromMinutes(5);
        _firstBackoff = firstBackoff ?? TimeSpan.FromMilliseconds(500);
    }

    public KubernetesResource Resource => _resource;

    /// <summary>Lists made (the first, then one per 410 Gone).</summary>
    public long Lists => Interlocked.Read(ref _lists);

    /// <summary>Watches opened.</summary>
    public long Watches => Interlocked.Read(ref _watches);

    /// <summary>The last resourceVersion seen (list, event or bookmark).</summary>
    public string? ResourceVersion => _resourceVersion;

    /// <summary>Completes once the first list has been delivered.</summary>
    public Task Synced => _synced.Task;

    public async Task RunAsync(CancellationToken ct)
    {
        var failures = 0;
        var gone = 0;
        var listed = false;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (!listed)
                {
                    if (gone > 1)
                    {
                        // Gone again right after a list: do not hammer the API server.
                        await Task.Delay(Backoff(gone - 1), ct).ConfigureAwait(false);
                    }
                    await ListAsync(ct).ConfigureAwait(false);
                    listed = true;
                    _synced.TrySetResult();
                }
                var events = await WatchAsync(_resourceVersion!, ct).ConfigureAwait(false);
                failures = 0;
                if (events > 0)
                {
                    gone = 0;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (IsGone(e))
            {
                if (_logger.IsEnabled(LogLevel.Information))
                {
                    Log.Gone(_logger, _name, _resourceVersion ?? "");
                }
                gone++;
                listed = false;
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException or JsonException or KubernetesException or OperationCanceledException or TimeoutException)
            {
                // The watch resumes from the last resourceVersion seen (events and bookmarks advance it).
                failures++;
                var delay = Backoff(failures);
                if (_logger.IsEnabled(LogLevel.Warning))
                {
                    Log.Failed(_logger, _name, failures, delay.TotalSeconds, Describe(e));
                }
                try
                {
                    await Task.Delay(delay, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    private TimeSpan Backoff(int failures) =>
        TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, _firstBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 16))));

    /// <summary>Reads every page; delivers each item, then the set of what exists; the watch starts from the list's resourceVersion.</summary>
    private async Task ListAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref _lists);
        var present = new HashSet<(string, string)>();
        string? cont = null;
        string? rv = null;
        for (var page = 0; page < 100_000; page++)
        {
            var list = await _api.ListAsync(cont, _pageSize, ct).ConfigureAwait(false);
            await Task.Yield(); // off the socket thread before a sink runs (see the class remarks)
            rv = list["metadata"]?["resourceVersion"]?.GetValue<string>() ?? rv;
            foreach (var item in list["items"]?.AsArray() ?? [])
            {
                if (item is JsonObject obj && Identify(obj) is var (ns, name))
                {
                    present.Add((ns, name));
                    _sink.Upsert(obj, ns, name);
                }
            }
            cont = list["metadata"]?["continue"]?.GetValue<string>();
            if (string.IsNullOrEmpty(cont))
            {
                break;
            }
        }
        _sink.Reconcile(present);
        _resourceVersion = rv ?? throw new JsonException($"list of {_resource} carries no metadata.resourceVersion");
        Log.Listed(_logger, _name, present.Count, rv);
    }

    /// <summary>One watch from <paramref name="rv"/> until the server ends it; returns how many events (bookmarks included) it delivered.</summary>
    private async Task<int> WatchAsync(string rv, CancellationToken ct)
    {
        Interlocked.Increment(ref _watches);
        // The server ends the watch after timeoutSeconds; a connection that goes silent for
        // longer than that (a half-open TCP connection) is given up on here.
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(ct);
        guard.CancelAfter(_watchTimeout + TimeSpan.FromSeconds(30));
        Exception? streamError = null;
        var count = 0;
        var events = _api.WatchAsync(rv, (int)_watchTimeout.TotalSeconds, e => streamError = e, guard.Token);
        await foreach (var (type, obj) in events.ConfigureAwait(false))
        {
            await Task.Yield(); // off the socket thread before a sink runs (see the class remarks)
            if (type == WatchEventType.Error)
            {
                var code = obj?["code"]?.GetValue<int>() ?? 0;
                throw code == (int)HttpStatusCode.Gone
                    ? new GoneException(obj?["message"]?.GetValue<string>() ?? "410 Gone")
                    : new KubernetesException($"watch of {_resource}: error {code}: {obj?["message"]}");
            }
            count++;
            if (obj?["metadata"]?["resourceVersion"]?.GetValue<string>() is { } next)
            {
                _resourceVersion = next;
            }
            if (type == WatchEventType.Bookmark || obj is null || Identify(obj) is not var (ns, name))
            {
                continue;
            }
            if (type == WatchEventType.Deleted)
            {
                _sink.Delete(ns, name);
            }
            else
            {
                _sink.Upsert(obj, ns, name);
            }
        }
        if (streamError is not null && !ct.IsCancellationRequested)
        {
            throw IsGone(streamError) ? new GoneException(streamError.Message)
                : streamError is IOException or HttpRequestException or KubernetesException ? streamError
                : new IOException("watch stream failed: " + streamError.Message, streamError);
        }
        return count;
    }

    private (string Namespace, string Name)? Identify(JsonObject obj)
    {
        var name = obj["metadata"]?["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }
        // List items of built-in types carry no apiVersion/kind; the resource type says what they are.
        obj["apiVersion"] = _resource.ApiVersion;
        obj["kind"] = _resource.Kind;
        return (_resource.Namespaced ? obj["metadata"]?["namespace"]?.GetValue<string>() ?? "default" : "", name);
    }

    private static bool IsGone(Exception e) => e is GoneException
        || e is HttpOperationException { Response.StatusCode: HttpStatusCode.Gone }
        || e is KubernetesException { Status.Code: (int)HttpStatusCode.Gone }
        || (e.InnerException is { } inner && IsGone(inner));

    private static string Describe(Exception e) => e is HttpOperationException h
        ? $"{(int)h.Response.StatusCode} {h.Response.ReasonPhrase}: {Truncate(h.Response.Content)}"
        : e.Message;

    private static string Truncate(string? s) => s is null ? "" : s.Length <= 300 ? s : s[..300] + "...";

    private sealed class GoneException(string message) : Exception(message);

    private static partial class Log
    {
        [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "Kubernetes: listed {Resource}: {Count} object(s) at resourceVersion {ResourceVersion}")]
        public static partial void Listed(ILogger logger, string resource, int count, string resourceVersion);

        [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Kubernetes: {Resource} resourceVersion {ResourceVersion} is gone (410, compacted): listing again")]
        public static partial void Gone(ILogger logger, string resource, string resourceVersion);

        [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Kubernetes: list/watch of {Resource} failed ({Failures} in a row), retrying in {Seconds:0.#} s; the policy in force stays: {Error}")]
        public static partial void Failed(ILogger logger, string resource, int failures, double seconds, string error);
    }
}
