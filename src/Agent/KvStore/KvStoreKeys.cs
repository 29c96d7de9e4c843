using System.Globalization;

namespace CiliumL7.Agent.KvStore;

/// <summary>
/// Cilium's key layout in the kvstore:
/// <code>
/// cilium/state/identities/v1/id/&lt;ID&gt;                   → label key (k8s:a=b;k8s:io.kubernetes.pod.namespace=default;)
/// cilium/state/identities/v1/value/&lt;labelkey&gt;/&lt;node&gt;  → ID (under the node's lease: who uses it)
/// cilium/state/ip/v1/&lt;cluster&gt;/&lt;IP&gt;                    → ipcache entry (JSON, under the lease)
/// cilium/state/nodes/v1/&lt;cluster&gt;/&lt;node&gt;               → node (JSON, under the lease)
/// </code>
/// </summary>
internal static class KvStoreKeys
{
    public const string IdentitiesPrefix = "cilium/state/identities/v1/";
    public const string IdPrefix = IdentitiesPrefix + "id/";
    public const string ValuePrefix = IdentitiesPrefix + "value/";

    public static string Id(uint id) => IdPrefix + id.ToString(CultureInfo.InvariantCulture);

    /// <summary>The prefix of every node's reference to one label key (ends with '/').</summary>
    public static string ValuesOf(string labelKey) => ValuePrefix + labelKey + "/";

    public static string Value(string labelKey, string node) => ValuesOf(labelKey) + node;

    public static string IpPrefix(string cluster) => $"cilium/state/ip/v1/{cluster}/";

    public static string NodesPrefix(string cluster) => $"cilium/state/nodes/v1/{cluster}/";

    /// <summary>Parses the numeric id of an <c>id/&lt;ID&gt;</c> key.</summary>
    public static bool TryParseId(string key, out uint id)
    {
        id = 0;
        return key.StartsWith(IdPrefix, StringComparison.Ordinal)
            && uint.TryParse(key.AsSpan(IdPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out id);
    }
}
