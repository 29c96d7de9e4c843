using System.Text.Json.Nodes;

namespace CiliumL7.Agent.Kubernetes;

/// <summary>Where a <see cref="ResourceWatcher"/> delivers what the API server says.</summary>
internal interface IResourceSink
{
    /// <summary>An object added or changed (also every item of a list).</summary>
    void Upsert(JsonObject obj, string ns, string name);

    /// <summary>An object deleted.</summary>
    void Delete(string ns, string name);

    /// <summary>A complete list was read: these (namespace, name) are all that exist now.</summary>
    void Reconcile(IReadOnlySet<(string Namespace, string Name)> present);
}
