using System.Text.Json;
using System.Text.Json.Serialization;

namespace CiliumL7.Cli.Cluster;

/// <summary>
/// What <c>ciliuml7 cluster up</c> made, in <c>&lt;root&gt;/&lt;name&gt;/cluster.json</c>: written after every
/// step, so <c>cluster down</c> removes a half-made cluster too. PIDs are checked against the
/// cluster's directory in their command line before anything is killed.
/// </summary>
internal sealed class ClusterState
{
    public const string FileName = "cluster.json";
    public const string EtcdIp = "172.31.0.254";
    public const string DefaultRoot = "/var/run/ciliuml7/clusters";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public required string Name { get; init; }

    /// <summary>This cluster's directory (state file, logs, etcd data, node state dirs).</summary>
    public required string Directory { get; init; }

    /// <summary>The netns holding the underlay bridge (172.31.0.0/16) and etcd.</summary>
    public required string UnderlayNetns { get; init; }

    public string EtcdAddress => $"http://{EtcdIp}:2379";

    public int EtcdPid { get; set; }

    /// <summary>etcd members (1, or 3/5 with <c>cluster up --etcd-members</c>): member i listens on 172.31.0.(254-i).</summary>
    public int EtcdMembers { get; set; } = 1;

    /// <summary>PIDs of the members after the first (whose PID is <see cref="EtcdPid"/>).</summary>
    public List<int> EtcdMemberPids { get; init; } = [];

    /// <summary>Every member's client URL, the first one first.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> EtcdAddresses => [.. Enumerable.Range(0, EtcdMembers).Select(i => $"http://172.31.0.{254 - i}:2379")];

    public int RelayPid { get; set; }

    public string RelayAddress { get; set; } = "";

    public List<ClusterNode> Nodes { get; init; } = [];

    /// <summary>Pod netns made by <c>endpoint create --node</c> (removed by <c>cluster down</c>).</summary>
    public List<string> PodNetns { get; init; } = [];

    public string StatePath => Path.Combine(Directory, FileName);

    /// <summary>The clusters' root: <c>$CILIUML7_CLUSTER_ROOT</c> or /var/run/ciliuml7/clusters.</summary>
    public static string Root => Environment.GetEnvironmentVariable("CILIUML7_CLUSTER_ROOT") is { Length: > 0 } r ? r : DefaultRoot;

    public static string DirectoryOf(string name) => Path.Combine(Root, name);

    public void Save()
    {
        System.IO.Directory.CreateDirectory(Directory);
        var temp = StatePath + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, Json));
        File.Move(temp, StatePath, overwrite: true);
    }

    /// <summary>The cluster called <paramref name="name"/>, or null when there is none.</summary>
    public static ClusterState? Load(string name)
    {
        var path = Path.Combine(DirectoryOf(name), FileName);
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<ClusterState>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{path}: not a cluster state file ({e.Message}); remove the cluster's leftovers by hand or fix the file");
        }
    }

    /// <summary>Names of the clusters with a state file under <see cref="Root"/>.</summary>
    public static IReadOnlyList<string> List() => !System.IO.Directory.Exists(Root)
        ? []
        : [.. System.IO.Directory.GetDirectories(Root).Where(d => File.Exists(Path.Combine(d, FileName))).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];
}
