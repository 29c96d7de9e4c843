using System.Net;
using System.Text;

namespace CiliumL7.Agent.Services;

/// <summary>
/// How service names resolve inside the pods: one hosts file per pod
/// network namespace, <c>/etc/netns/&lt;NAME&gt;/hosts</c>.
/// <c>ip netns exec NAME cmd</c> bind-mounts every file of
/// <c>/etc/netns/NAME/</c> over its namesake in <c>/etc</c> (in a private
/// mount namespace), so <c>curl deathstar.default.svc.cluster.local</c> run
/// that way (and by <c>ciliuml7 exec</c>) finds the VIP through the normal
/// "files" resolver. <c>nsenter --net</c> does not do this bind mount.
/// <code>
///   127.0.0.1   localhost
///   ::1         localhost ip6-localhost ip6-loopback
///   10.96.0.1   deathstar.default.svc.cluster.local deathstar.default.svc deathstar.default deathstar
/// </code>
/// The short name <c>&lt;svc&gt;</c> is written only for services of the
/// pod's own namespace (when known), like a Kubernetes search path.
/// </summary>
public sealed class HostsFileWriter
{
    /// <summary>The cluster DNS domain.</summary>
    public const string ClusterDomain = "cluster.local";

    /// <summary>Writes under <paramref name="netnsEtcRoot"/> (default <c>/etc/netns</c>; tests use a temp dir).</summary>
    public HostsFileWriter(string netnsEtcRoot = "/etc/netns") => Root = netnsEtcRoot;

    /// <summary>The directory holding one sub-directory per network namespace.</summary>
    public string Root { get; }

    /// <summary>The hosts file path for a namespace name.</summary>
    public string PathFor(string netnsName) => Path.Combine(Root, netnsName, "hosts");

    /// <summary>The names a service answers to, most specific first.</summary>
    public static IReadOnlyList<string> NamesFor(string name, string ns, bool includeShortName) =>
        includeShortName
            ? [name + "." + ns + ".svc." + ClusterDomain, name + "." + ns + ".svc", name + "." + ns, name]
            : [name + "." + ns + ".svc." + ClusterDomain, name + "." + ns + ".svc", name + "." + ns];

    /// <summary>The file content for a pod in <paramref name="podNamespace"/> (null = unknown: short names for all).</summary>
    public static string Render(string netnsName, string? podNamespace, IReadOnlyList<(string Name, string Namespace, IPAddress Vip)> services)
    {
        var sb = new StringBuilder();
        sb.Append("# Written by ciliuml7-agent for network namespace ").Append(netnsName).Append(": service names -> VIPs.\n");
        sb.Append("# 'ip netns exec ").Append(netnsName).Append(" CMD' bind-mounts this file over /etc/hosts.\n");
        sb.Append("127.0.0.1\tlocalhost\n");
        sb.Append("::1\tlocalhost ip6-localhost ip6-loopback\n");
        var sorted = new List<(string Name, string Namespace, IPAddress Vip)>(services);
        sorted.Sort((a, b) => string.CompareOrdinal(a.Namespace + "/" + a.Name, b.Namespace + "/" + b.Name));
        var shortNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, ns, vip) in sorted)
        {
            var includeShort = (podNamespace is null || podNamespace == ns) && shortNames.Add(name);
            sb.Append(vip).Append('\t').AppendJoin(' ', NamesFor(name, ns, includeShort)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Writes (atomically: temp file + rename) when the content changed. Returns true if written.</summary>
    public bool Write(string netnsName, string? podNamespace, IReadOnlyList<(string Name, string Namespace, IPAddress Vip)> services)
    {
        ValidateName(netnsName);
        var path = PathFor(netnsName);
        var content = Render(netnsName, podNamespace, services);
        if (File.Exists(path) && File.ReadAllText(path) == content)
        {
            return false;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, content);
        File.Move(tmp, path, overwrite: true);
        return true;
    }

    /// <summary>Removes the hosts file and, when then empty, its directory and the root. Idempotent.</summary>
    public void Remove(string netnsName)
    {
        ValidateName(netnsName);
        var path = PathFor(netnsName);
        File.Delete(path);
        DeleteIfEmpty(Path.GetDirectoryName(path)!);
        DeleteIfEmpty(Root);
    }

    private static void DeleteIfEmpty(string dir)
    {
        try
        {
            if (Directory.Exists(dir) && Directory.GetFileSystemEntries(dir).Length == 0)
            {
                Directory.Delete(dir);
            }
        }
        catch (IOException)
        {
            // Someone else wrote into it meanwhile: keep it.
        }
    }

    /// <summary>
    /// The netns name of a CNI netns path (<c>/var/run/netns/NAME</c> or
    /// <c>/run/netns/NAME</c>) or a bare name; null for other paths
    /// (e.g. <c>/proc/PID/ns/net</c>), which <c>ip netns exec</c> cannot enter.
    /// </summary>
    public static string? NetnsName(string netnsOrPath)
    {
        if (!netnsOrPath.Contains('/', StringComparison.Ordinal))
        {
            return netnsOrPath.Length == 0 ? null : netnsOrPath;
        }
        var dir = Path.GetDirectoryName(netnsOrPath);
        return dir is "/var/run/netns" or "/run/netns" ? Path.GetFileName(netnsOrPath) : null;
    }

    private static void ValidateName(string netnsName)
    {
        if (netnsName.Length == 0 || netnsName.Contains('/', StringComparison.Ordinal) || netnsName is "." or "..")
        {
            throw new ArgumentException("not a network namespace name: \"" + netnsName + "\"", nameof(netnsName));
        }
    }
}
