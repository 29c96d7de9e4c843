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

    /// <summary>A known pod's labels (or its namespace's) changed: namespace, name, the full label list.</summary>
    public event Action<string, string, IReadOnlyList<string>>? LabelsChanged;

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
                    return FullLabels(ns, labels);
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

    private List<string> FullLabels(string ns, IReadOnlyDictionary<string, string> labels)
    {
        var list = labels.Select(kv => $"{kv.Key}={kv.Value}").ToList();
        if (_namespaces.TryGetValue(ns, out var nsLabels))
        {
            list.AddRange(nsLabels.Select(kv => $"{NamespaceLabelPrefix}{kv.Key}={kv.Value}"));
        }
        return list;
    }

    private static bool Same(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string> b) =>
        a is not null && a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

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
            var changed = new List<(string Namespace, string Name, IReadOnlyList<string> Labels)>();
            lock (cache._lock)
            {
                var labels = LabelsOf(obj);
                if (namespaces)
                {
                    var known = cache._namespaces.TryGetValue(name, out var old);
                    cache._namespaces[name] = labels;
                    if (known && !Same(old, labels))
                    {
                        changed.AddRange(cache._pods.Where(p => p.Key.Namespace == name).Select(p => (name, p.Key.Name, (IReadOnlyList<string>)cache.FullLabels(name, p.Value))));
                    }
                }
                else
                {
                    var known = cache._pods.TryGetValue((ns, name), out var old);
                    cache._pods[(ns, name)] = labels;
                    if (known && !Same(old, labels))
                    {
                        changed.Add((ns, name, cache.FullLabels(ns, labels)));
                    }
                }
                cache.Changed();
            }
            foreach (var (n, pod, full) in changed)
            {
                cache.LabelsChanged?.Invoke(n, pod, full);
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
