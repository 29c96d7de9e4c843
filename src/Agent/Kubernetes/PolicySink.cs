using System.Text.Json.Nodes;
using CiliumL7.Agent.Policies;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.Kubernetes;

/// <summary>
/// Policy objects from the API server into the policy store, one kind per sink. The object
/// is judged as the JSON it came as (a YAML document too), without <c>managedFields</c> and
/// <c>status</c>; a rejected change is logged with its errors and the last good version stays.
/// With a <see cref="PolicyStatusReporter"/> (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy)
/// the verdict is also written to the object's <c>Valid</c> status condition.
/// </summary>
internal sealed partial class PolicySink(PolicyStore store, KubernetesResource resource, ILogger logger, PolicyStatusReporter? status = null) : IResourceSink
{
    public void Upsert(JsonObject obj, string ns, string name)
    {
        if (obj["metadata"] is JsonObject metadata)
        {
            // What changes without the policy changing (a status write bumps resourceVersion) is not judged.
            metadata.Remove("managedFields");
            metadata.Remove("resourceVersion");
        }
        var conditions = obj["status"]?["conditions"] as JsonArray;
        obj.Remove("status");
        var (errors, changed) = store.SetKubernetes(resource.Kind, ns, name, obj.ToJsonString());
        status?.Report(resource, ns, name, errors, conditions);
        var key = PolicyStore.KubernetesKey(resource.Kind, ns, name);
        if (changed && errors.Count > 0)
        {
            var all = string.Join("; ", errors);
            Log.Rejected(logger, key, all);
        }
        else if (changed)
        {
            Log.Accepted(logger, key);
        }
    }

    public void Delete(string ns, string name)
    {
        if (store.DeleteKubernetes(resource.Kind, ns, name))
        {
            var key = PolicyStore.KubernetesKey(resource.Kind, ns, name);
            Log.Deleted(logger, key);
        }
    }

    public void Reconcile(IReadOnlySet<(string Namespace, string Name)> present)
    {
        var keys = present.Select(p => PolicyStore.KubernetesKey(resource.Kind, p.Namespace, p.Name)).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in store.ReconcileKubernetes(resource.Kind, keys))
        {
            Log.Deleted(logger, gone);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5110, Level = LogLevel.Information, Message = "Kubernetes: policy {Key} accepted")]
        public static partial void Accepted(ILogger logger, string key);

        [LoggerMessage(EventId = 5111, Level = LogLevel.Warning, Message = "Kubernetes: policy {Key} rejected, its last good version stays in force: {Errors}")]
        public static partial void Rejected(ILogger logger, string key, string errors);

        [LoggerMessage(EventId = 5112, Level = LogLevel.Information, Message = "Kubernetes: policy {Key} deleted")]
        public static partial void Deleted(ILogger logger, string key);
    }
}
