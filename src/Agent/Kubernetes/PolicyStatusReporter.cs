using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.Kubernetes;

/// <summary>
/// Writes whether a CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy is valid into the object's
/// <c>status</c> subresource, as Cilium does: one condition of type <c>Valid</c> in
/// <c>status.conditions</c> (<c>"False"</c> with every validation error — each naming its field path,
/// value and fix — as the message; <c>"True"</c> with "Policy validation succeeded"), so
/// <c>kubectl get cnp</c> / <c>kubectl describe cnp</c> show why a policy is not in force (the last
/// good version stays). A merge patch of the status only; skipped when the object already says
/// so (every agent computes the same condition, so the writes converge). Writes run off the watch
/// thread, one pending write per object (bounded by what the API server holds), retried with
/// backoff while the API server fails; an object deleted meanwhile (404) is dropped.
/// </summary>
internal sealed partial class PolicyStatusReporter(IKubernetes client, ILogger logger)
{
    public const string ConditionType = "Valid";
    public const string ValidMessage = "Policy validation succeeded";
    private const int MaxMessage = 8192;

    private readonly Lock _lock = new();
    private readonly Dictionary<(KubernetesResource Resource, string Namespace, string Name), JsonObject> _pending = [];
    private readonly System.Threading.Channels.Channel<bool> _signal = System.Threading.Channels.Channel.CreateBounded<bool>(
        new System.Threading.Channels.BoundedChannelOptions(1) { FullMode = System.Threading.Channels.BoundedChannelFullMode.DropWrite });
    private long _written;

    /// <summary>Status patches that the API server accepted.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>
    /// The object was judged: queue a status write unless its observed conditions (<paramref name="conditions"/>,
    /// as the API server sent them) already say the same.
    /// </summary>
    public void Report(KubernetesResource resource, string ns, string name, IReadOnlyList<string> errors, JsonArray? conditions)
    {
        var valid = errors.Count == 0;
        var message = valid ? ValidMessage : Truncate(string.Join("; ", errors));
        var status = valid ? "True" : "False";
        JsonObject? observed = null;
        var others = new JsonArray();
        foreach (var c in conditions ?? [])
        {
            if (c is JsonObject o && o["type"]?.GetValue<string>() == ConditionType)
            {
                observed = o;
            }
            else if (c is not null)
            {
                others.Add(c.DeepClone());
            }
        }
        if (observed?["status"]?.GetValue<string>() == status && observed["message"]?.GetValue<string>() == message)
        {
            lock (_lock)
            {
                _pending.Remove((resource, ns, name)); // already what we would write
            }
            return;
        }
        var since = observed?["status"]?.GetValue<string>() == status ? observed["lastTransitionTime"]?.GetValue<string>() : null;
        others.Add(new JsonObject
        {
            ["type"] = ConditionType,
            ["status"] = status,
            ["lastTransitionTime"] = since ?? DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["message"] = message,
        });
        var patch = new JsonObject { ["status"] = new JsonObject { ["conditions"] = others } };
        lock (_lock)
        {
            _pending[(resource, ns, name)] = patch;
        }
        _signal.Writer.TryWrite(true);
    }

    /// <summary>Writes pending conditions until stopped.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await _signal.Reader.ReadAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            List<KeyValuePair<(KubernetesResource Resource, string Namespace, string Name), JsonObject>> batch;
            lock (_lock)
            {
                batch = [.. _pending];
                _pending.Clear();
            }
            var failed = false;
            foreach (var ((resource, ns, name), patch) in batch)
            {
                try
                {
                    await PatchAsync(resource, ns, name, patch, ct).ConfigureAwait(false);
                    Interlocked.Increment(ref _written);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
                {
                    // deleted meanwhile
                }
                catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException or OperationCanceledException)
                {
                    failed = true;
                    lock (_lock)
                    {
                        _pending.TryAdd((resource, ns, name), patch); // unless a newer judgement replaced it
                    }
                    var what = $"{resource.Kind} {(ns.Length > 0 ? ns + "/" : "")}{name}";
                    var error = e is HttpOperationException h ? $"{(int)h.Response.StatusCode} {h.Response.Content}" : e.Message;
                    Log.WriteFailed(logger, what, error);
                }
            }
            if (failed)
            {
                failures++;
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(30_000, 500 * Math.Pow(2, Math.Min(failures - 1, 10)))), ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                _signal.Writer.TryWrite(true);
            }
            else
            {
                failures = 0;
            }
        }
    }

    private async Task PatchAsync(KubernetesResource resource, string ns, string name, JsonObject patch, CancellationToken ct)
    {
        var body = new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch);
        if (resource.Namespaced)
        {
            using var _ = await client.CustomObjects.PatchNamespacedCustomObjectStatusWithHttpMessagesAsync(body, resource.Group, resource.Version, ns, resource.Plural, name,
                fieldManager: "ciliuml7-agent", cancellationToken: ct).ConfigureAwait(false);
        }
        else
        {
            using var _ = await client.CustomObjects.PatchClusterCustomObjectStatusWithHttpMessagesAsync(body, resource.Group, resource.Version, resource.Plural, name,
                fieldManager: "ciliuml7-agent", cancellationToken: ct).ConfigureAwait(false);
        }
    }

    private static string Truncate(string s) => s.Length <= MaxMessage ? s : s[..MaxMessage] + "...";

    private static partial class Log
    {
        [LoggerMessage(EventId = 5113, Level = LogLevel.Warning, Message = "Kubernetes: writing the Valid condition of {Object} failed, retrying: {Error}")]
        public static partial void WriteFailed(ILogger logger, string @object, string error);
    }
}
