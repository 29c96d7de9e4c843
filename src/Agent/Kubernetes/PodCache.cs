using System.Text.Json.Nodes;

namespace CiliumL7.Agent.Kubernetes;

/// <summary>
/// Labels of the pods and namespaces the API server knows, kept by their watchers. A CNI ADD
/// names its pod (K8S_POD_NAMESPACE/K8S_POD_NAME); the agent takes the pod's labels from
/// here, plus its namespace's labels as <c>io.cilium.k8s.namespace.labels.KEY=VALUE</c>, waiting
/// briefly when the pod's watch event has not arrived yet. Bounded by what the API server holds.
/// </summary>
internal sealed class PodCache
{
    public const string NamespaceLabelPrefix = "io.cilium.k8s.namespace.labels.";

    private readonly object _lock = new();
    private readonly Dictionary<(string Namespace, string Name), IReadOnlyDictionary<string, string>> _pods = [];
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _namespaces = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IResourceSink Pods => new Sink(this, namespaces: false);

    public IResourceSink Namespaces => new Sink(this, namespaces: true);

    public int Count { get { lock (_lock) { return _pods.Count; } } }

    /// <summary>
    /// The pod's labels as <c>key=value</c> (its namespace's too), or null when the pod is still
    /// unknown after <paramref name="wait"/>.
    /// </summary>
    public async Task<IReadOnlyList<string>?> LabelsAsync(string ns, string name, TimeSpan wait, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_pods.TryGetValue((ns, name), out var labels))
                {
                    var list = labels.Select(kv => $"{kv.Key}={kv.Value}").ToList();
                    if (_namespaces.TryGetValue(ns, out var nsLabels))
                    {
                        list.AddRange(nsLabels.Select(kv => $"{NamespaceLabelPrefix}{kv.Key}={kv.Value}"));
                    }
                    return list;
                }
                changed = _changed.Task;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return null;
            }
            await Task.WhenAny(changed, Task.Delay(left, ct)).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
        }
    }

    private void Changed()
    {
        var previous = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }

    private static Dictionary<string, string> LabelsOf(JsonObject obj) =>
        obj["metadata"]?["labels"] is JsonObject labels
            ? labels.Where(kv => kv.Value is JsonValue).ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>(), StringComparer.Ordinal)
            : [];

    private sealed class Sink(PodCache cache, bool namespaces) : IResourceSink
    {
        public void Upsert(JsonObject obj, string ns, string name)
        {
            lock (cache._lock)
            {
                if (namespaces)
                {
                    cache._namespaces[name] = LabelsOf(obj);
                }
                else
                {
                    cache._pods[(ns, name)] = LabelsOf(obj);
                }
                cache.Changed();
            }
        }

        public void Delete(string ns, string name)
        {
            lock (cache._lock)
            {
                if (namespaces)
                {
                    cache._namespaces.Remove(name);
                }
                else
                {
                    cache._pods.Remove((ns, name));
                }
            }
        }

        public void Reconcile(IReadOnlySet<(string Namespace, string Name)> present)
        {
            lock (cache._lock)
            {
                if (namespaces)
                {
                    foreach (var gone in cache._namespaces.Keys.Where(n => !present.Contains(("", n))).ToList())
                    {
                        cache._namespaces.Remove(gone);
                    }
                }
                else
                {
                    foreach (var gone in cache._pods.Keys.Where(k => !present.Contains(k)).ToList())
                    {
                        cache._pods.Remove(gone);
                    }
                }
            }
        }
    }
}
