using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CiliumL7.Cli.Kubernetes;

/// <summary>
/// What <c>install</c>, <c>status --kubeconfig</c> and <c>hubble enable</c> ask of the API
/// server: server-side apply of the rendered objects (field manager <c>ciliuml7</c>), the
/// DaemonSet's status, and merge patches of the ConfigMap and the pod template.
/// </summary>
internal sealed class ClusterClient : IDisposable
{
    public const string FieldManager = "ciliuml7";

    private readonly k8s.Kubernetes _client;

    private ClusterClient(k8s.Kubernetes client) => _client = client;

    /// <summary>The kubeconfig given, else $KUBECONFIG or ~/.kube/config, else the pod's in-cluster config.</summary>
    public static ClusterClient Connect(string? kubeconfig)
    {
        try
        {
            var config = kubeconfig is not null
                ? KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig)
                : KubernetesClientConfiguration.BuildDefaultConfig();
            return new ClusterClient(new k8s.Kubernetes(config));
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or YamlException)
        {
            throw new ArgumentException($"--kubeconfig {kubeconfig ?? "(default)"}: {e.Message}", e);
        }
    }

    public Uri Server => _client.BaseUri;

    /// <summary>Server-side apply of one rendered object; returns kubectl's "kind/name" for the report.</summary>
    public async Task<string> ApplyAsync(YamlMappingNode obj, CancellationToken ct)
    {
        var kind = ManifestRenderer.Scalar(obj, "kind")!;
        var metadata = (YamlMappingNode)obj["metadata"];
        var name = ManifestRenderer.Scalar(metadata, "name")!;
        var ns = ManifestRenderer.Scalar(metadata, "namespace");
        var patch = new V1Patch(ToJson(obj)!.ToJsonString(), V1Patch.PatchType.ApplyPatch);
        _ = kind switch
        {
            "CustomResourceDefinition" => (object)await _client.ApiextensionsV1.PatchCustomResourceDefinitionAsync(patch, name, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false),
            "ServiceAccount" => await _client.CoreV1.PatchNamespacedServiceAccountAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false),
            "ClusterRole" => await _client.RbacAuthorizationV1.PatchClusterRoleAsync(patch, name, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false),
            "ClusterRoleBinding" => await _client.RbacAuthorizationV1.PatchClusterRoleBindingAsync(patch, name, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false),
            "ConfigMap" => await _client.CoreV1.PatchNamespacedConfigMapAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false),
            "DaemonSet" => await _client.AppsV1.PatchNamespacedDaemonSetAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false),
            "Service" => await _client.CoreV1.PatchNamespacedServiceAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false),
            _ => throw new NotSupportedException($"ciliuml7 install does not know how to apply a {kind}"),
        };
        return $"{kind.ToLowerInvariant()}/{name}";
    }

    public Task<V1DaemonSet> ReadDaemonSetAsync(string ns, string name, CancellationToken ct) =>
        _client.AppsV1.ReadNamespacedDaemonSetAsync(name, ns, cancellationToken: ct);

    /// <summary>Sets (or, with a null value, removes) keys of the agent's ConfigMap (a merge patch: other keys stay).</summary>
    public Task PatchConfigAsync(string ns, string name, IReadOnlyDictionary<string, string?> data, CancellationToken ct)
    {
        var body = new JsonObject { ["data"] = new JsonObject(data.Select(kv => KeyValuePair.Create(kv.Key, kv.Value is null ? null : (JsonNode?)JsonValue.Create(kv.Value)))) };
        return _client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch(body.ToJsonString(), V1Patch.PatchType.MergePatch), name, ns, fieldManager: FieldManager, cancellationToken: ct);
    }

    /// <summary>Restarts the DaemonSet's pods (a rolling update), as <c>kubectl rollout restart</c> does: a new template annotation.</summary>
    public Task RestartAsync(string ns, string name, DateTimeOffset at, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["ciliuml7.io/restartedAt"] = at.ToString("O") } },
                },
            },
        };
        return _client.AppsV1.PatchNamespacedDaemonSetAsync(new V1Patch(body.ToJsonString(), V1Patch.PatchType.MergePatch), name, ns, fieldManager: FieldManager, cancellationToken: ct);
    }

    public static string Describe(Exception e) => e is HttpOperationException h
        ? $"{(int)h.Response.StatusCode} {h.Response.ReasonPhrase}: {h.Response.Content}"
        : e.Message;

    /// <summary>YAML to JSON with the YAML 1.2 core schema's types for plain scalars (quoted ones stay strings).</summary>
    public static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode m => new JsonObject(m.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value!, ToJson(kv.Value)))),
        YamlSequenceNode s => new JsonArray([.. s.Children.Select(ToJson)]),
        YamlScalarNode { Style: ScalarStyle.Plain, Value: "null" or "~" or "" or null } => null,
        YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" or "false" } b => JsonValue.Create(b.Value == "true"),
        YamlScalarNode { Style: ScalarStyle.Plain } n when long.TryParse(n.Value, out var i) => JsonValue.Create(i),
        YamlScalarNode sc => JsonValue.Create(sc.Value),
        _ => null,
    };

    public void Dispose() => _client.Dispose();
}
