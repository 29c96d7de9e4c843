using System.Diagnostics;
using System.Text;
using CiliumL7.TestSupport;
using YamlDotNet.RepresentationModel;
using static CiliumL7.E2E.Tests.Kubernetes.RenderedManifests;

namespace CiliumL7.E2E.Tests.Kubernetes;

/// <summary>
/// A Kubernetes node stood in for by this host, for running the DaemonSet's pod spec
/// with podman (no kubelet can run here). The node's network is a network namespace;
/// its filesystem is a directory, bind-mounted onto itself as a shared mount so that
/// Bidirectional/HostToContainer propagation work as on a real node, with a bpffs of its
/// own at <c>sys/fs/bpf</c> and the cgroup v2 root at <c>sys/fs/cgroup</c>. Every hostPath of the spec lands under that directory, except
/// <c>/var/run/netns</c>, where this host keeps the pods' network namespaces, and <c>/proc</c>.
/// Everything is removed on dispose: containers, processes (by PID), namespaces, mounts.
/// </summary>
internal sealed class PodmanNode : IDisposable
{
    private readonly List<string> _containers = [];
    private readonly List<(Process Process, StringBuilder Output)> _processes = [];
    private readonly List<string> _netns = [];
    private readonly List<string> _createdHostDirs = [];
    private bool _rootMounted;

    public PodmanNode(string image)
    {
        Image = image;
        Id = Guid.NewGuid().ToString("N")[..8];
        Root = Path.Combine(Path.GetTempPath(), "cl7-k8s-" + Id, "node");
        Netns = "l7k-" + Id;
        Directory.CreateDirectory(Root);
        Must("mount", "--bind", Root, Root);
        _rootMounted = true;
        Must("mount", "--make-rshared", Root);
        Directory.CreateDirectory(Path.Combine(Root, "sys", "fs", "bpf"));
        Must("mount", "-t", "bpf", "bpf", Path.Combine(Root, "sys", "fs", "bpf"));
        // A cgroup v2 node has the unified hierarchy's root at /sys/fs/cgroup.
        Directory.CreateDirectory(Path.Combine(Root, "sys", "fs", "cgroup"));
        Must("mount", "-t", "cgroup2", "none", Path.Combine(Root, "sys", "fs", "cgroup"));
        Must("ip", "netns", "add", Netns);
        _netns.Add(Netns);
        Must("ip", "-n", Netns, "link", "set", "lo", "up");
        // A new namespace copies this host's forwarding settings; the node starts with them
        // off whatever this host has, so the agent must turn them on itself.
        Must("ip", "netns", "exec", Netns, "sysctl", "-q", "-w", "net.ipv4.ip_forward=0", "net.ipv6.conf.all.forwarding=0");
    }

    /// <summary>A sysctl of the node's network namespace, e.g. <c>net.ipv4.ip_forward</c>.</summary>
    public string Sysctl(string name) => Run("ip", ["netns", "exec", Netns, "sysctl", "-n", name], TimeSpan.FromSeconds(10)).Output.Trim();

    public string Id { get; }

    public string Image { get; }

    /// <summary>The node's filesystem root.</summary>
    public string Root { get; }

    /// <summary>The node's network namespace (hostNetwork pods join it).</summary>
    public string Netns { get; }

    public string NetnsPath => "/var/run/netns/" + Netns;

    public string NodeName => "k8s-node-" + Id;

    /// <summary>Where a hostPath of the spec is on this host.</summary>
    /// <remarks>
    /// <c>/var/run/netns</c> and <c>/proc</c> are this host's own: the node's network is a
    /// namespace of this kernel, and a net sysctl written through this host's procfs acts on
    /// the writer's network namespace (the node's, for a hostNetwork container).
    /// </remarks>
    public string HostPath(string path) => path.StartsWith("/var/run/netns", StringComparison.Ordinal) || path.StartsWith("/proc/", StringComparison.Ordinal)
        ? path
        : Path.Combine(Root, path.TrimStart('/'));

    /// <summary>
    /// Runs one container of the pod spec the way the kubelet would: its image, command and
    /// args ($(VAR) expanded from its env), env (fieldRef spec.nodeName), security context
    /// (privileged, capabilities), hostNetwork, and every volume mount with its propagation.
    /// </summary>
    public Cmd Start(YamlNode podSpec, YamlNode container, string configMapDir, bool detach)
    {
        var name = $"cl7k-{Id}-{Str(container, "name")}";
        var args = new List<string>
        {
            "run", "--name", name, "--pull=never", "--runtime", "runc",
            // crun cannot run on this host's hybrid cgroup layout; runc can. The ulimits are
            // this sandbox's own (podman's defaults exceed what it may set).
            "--ulimit", "nofile=16384:16384", "--ulimit", "nproc=4096:4096",
            // The kubelet's default seccomp profile is Unconfined unless a pod asks for one.
            "--security-opt", "seccomp=unconfined",
        };
        args.Add(detach ? "-d" : "--rm");
        if (Str(podSpec, "hostNetwork") != "true")
        {
            throw new NotSupportedException("only hostNetwork pods run on this stand-in node");
        }
        args.AddRange(["--network", "ns:" + NetnsPath, "--hostname", NodeName]);
        if (Str(container, "securityContext", "privileged") == "true")
        {
            args.Add("--privileged");
        }
        foreach (var cap in Seq(container, "securityContext", "capabilities", "drop"))
        {
            args.Add("--cap-drop=" + ((YamlScalarNode)cap).Value);
        }
        foreach (var cap in Seq(container, "securityContext", "capabilities", "add"))
        {
            args.Add("--cap-add=" + ((YamlScalarNode)cap).Value);
        }
        var env = new Dictionary<string, string>();
        foreach (var e in Seq(container, "env"))
        {
            var key = Str(e, "name")!;
            env[key] = Str(e, "value") ?? (Str(e, "valueFrom", "fieldRef", "fieldPath") switch
            {
                "spec.nodeName" => NodeName,
                var other => throw new NotSupportedException($"env {key}: fieldRef {other} is not known to the stand-in node"),
            });
            args.AddRange(["-e", $"{key}={env[key]}"]);
        }
        var volumes = Seq(podSpec, "volumes").ToDictionary(v => Str(v, "name")!);
        foreach (var m in Seq(container, "volumeMounts"))
        {
            var volume = volumes[Str(m, "name")!];
            string source;
            if (Str(volume, "hostPath", "path") is { } hostPath)
            {
                source = HostPath(hostPath);
                switch (Str(volume, "hostPath", "type"))
                {
                    case "DirectoryOrCreate":
                        Directory.CreateDirectory(source);
                        break;
                    case "Directory" when !Directory.Exists(source):
                        throw new InvalidOperationException($"volume {Str(volume, "name")}: hostPath {hostPath} (type Directory) does not exist on the node");
                }
            }
            else if (Str(volume, "configMap", "name") is not null)
            {
                source = configMapDir;
            }
            else
            {
                throw new NotSupportedException($"volume {Str(volume, "name")}: only hostPath and configMap volumes are known to the stand-in node");
            }
            var options = new List<string>();
            if (Str(m, "readOnly") == "true")
            {
                options.Add("ro");
            }
            switch (Str(m, "mountPropagation"))
            {
                case "Bidirectional": options.Add("rshared"); break;
                case "HostToContainer": options.Add("rslave"); break;
            }
            args.AddRange(["-v", $"{source}:{Str(m, "mountPath")}" + (options.Count > 0 ? ":" + string.Join(',', options) : "")]);
        }
        var command = Seq(container, "command").Select(c => ((YamlScalarNode)c).Value!).ToList();
        if (command.Count > 0)
        {
            args.AddRange(["--entrypoint", System.Text.Json.JsonSerializer.Serialize(command)]);
        }
        args.Add(Image);
        args.AddRange(Seq(container, "args").Select(a => Expand(((YamlScalarNode)a).Value!, env)));
        _containers.Add(name);
        return new Cmd(name, Run("podman", args, TimeSpan.FromMinutes(2)));
    }

    /// <summary>Kubernetes' $(VAR) expansion in command and args.</summary>
    private static string Expand(string value, IReadOnlyDictionary<string, string> env)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '$' && i + 1 < value.Length && value[i + 1] == '(' && value.IndexOf(')', i) is var end and > 0
                && env.TryGetValue(value[(i + 2)..end], out var v))
            {
                sb.Append(v);
                i = end;
            }
            else
            {
                sb.Append(value[i]);
            }
        }
        return sb.ToString();
    }

    public void RemoveContainer(string name) => Run("podman", ["rm", "-f", "-t", "0", name], TimeSpan.FromSeconds(60));

    /// <summary>A pod: its own network namespace, wired by the installed CNI plugin the way a container runtime calls it.</summary>
    public (string Netns, string Ip) AddPod(string name, string ns, IReadOnlyDictionary<string, string> labels)
    {
        var podNetns = $"l7k-{Id}-{name}";
        Must("ip", "netns", "add", podNetns);
        _netns.Add(podNetns);
        var result = Cni("ADD", name, ns, podNetns, labels);
        using var doc = System.Text.Json.JsonDocument.Parse(result);
        var ip = doc.RootElement.GetProperty("ips")[0].GetProperty("address").GetString()!.Split('/')[0];
        return (podNetns, ip);
    }

    public void DeletePod(string name, string ns, string podNetns) => Cni("DEL", name, ns, podNetns, new Dictionary<string, string>());

    private string Cni(string command, string name, string ns, string podNetns, IReadOnlyDictionary<string, string> labels)
    {
        // The runtime's part: the network's configuration list as installed on the node, its one
        // plugin's config with name and cniVersion added. Pod labels ride in args.cni.labels
        // (the agent has no Pod watcher yet to look them up by K8S_POD_NAME).
        var confList = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(HostPath("/etc/cni/net.d/05-ciliuml7.conflist")))!;
        var plugin = confList["plugins"]![0]!.DeepClone().AsObject();
        plugin["cniVersion"] = confList["cniVersion"]!.GetValue<string>();
        plugin["name"] = confList["name"]!.GetValue<string>();
        var list = new System.Text.Json.Nodes.JsonArray();
        foreach (var (k, v) in labels)
        {
            list.Add(new System.Text.Json.Nodes.JsonObject { ["key"] = k, ["value"] = v });
        }
        plugin["args"] = new System.Text.Json.Nodes.JsonObject { ["cni"] = new System.Text.Json.Nodes.JsonObject { ["labels"] = list } };
        var type = plugin["type"]!.GetValue<string>();
        var socketDir = Path.GetDirectoryName(plugin["agent-socket"]!.GetValue<string>())!;
        if (!Directory.Exists(socketDir) && !_createdHostDirs.Contains(socketDir))
        {
            _createdHostDirs.Add(socketDir); // the mount point below; removed again on dispose
        }
        // The plugin runs on the node: in its network namespace, seeing the node's files at
        // their paths (a private mount namespace with the node's run directory bound in).
        var script = $"mkdir -p {socketDir} && mount --bind {HostPath(socketDir)} {socketDir} && exec nsenter --net={NetnsPath} {HostPath("/opt/cni/bin")}/{type}";
        var psi = new ProcessStartInfo("unshare", ["--mount", "--propagation", "private", "sh", "-c", script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["CNI_COMMAND"] = command;
        psi.Environment["CNI_CONTAINERID"] = $"{Id}-{name}";
        psi.Environment["CNI_NETNS"] = "/var/run/netns/" + podNetns;
        psi.Environment["CNI_IFNAME"] = "eth0";
        psi.Environment["CNI_PATH"] = HostPath("/opt/cni/bin");
        psi.Environment["CNI_ARGS"] = $"K8S_POD_NAMESPACE={ns};K8S_POD_NAME={name}";
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(plugin.ToJsonString());
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"CNI {command} of {name} did not finish in 60 s");
        }
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"CNI {command} of {name} exited {p.ExitCode}: {stdout.Result} {stderr.Result}");
        }
        return stdout.Result;
    }

    /// <summary>Starts a long-running program inside a pod's network namespace (killed by PID on dispose).</summary>
    public void StartInPod(string podNetns, string file, params string[] args)
    {
        var psi = new ProcessStartInfo("nsenter", ["--net=/var/run/netns/" + podNetns, file, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var p = Process.Start(psi)!;
        var output = new StringBuilder();
        DataReceivedEventHandler keep = (_, e) =>
        {
            lock (output)
            {
                if (e.Data is not null && output.Length < 16 * 1024)
                {
                    output.AppendLine(e.Data);
                }
            }
        };
        p.OutputDataReceived += keep;
        p.ErrorDataReceived += keep;
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _processes.Add((p, output));
    }

    /// <summary>What a failed test should print: the pods' programs (alive? their output), the node's and pods' addresses, routes and neighbours.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        foreach (var (p, output) in _processes)
        {
            string state;
            try
            {
                state = p.HasExited ? $"exited {p.ExitCode}" : "running";
            }
            catch (InvalidOperationException e)
            {
                state = e.Message;
            }
            lock (output)
            {
                sb.AppendLine($"program {p.StartInfo.FileName} {string.Join(' ', p.StartInfo.ArgumentList)}: {state}\n{output}");
            }
        }
        foreach (var n in _netns)
        {
            foreach (string[] what in (string[][])[["addr"], ["route"], ["neigh"], ["-s", "link"]])
            {
                sb.AppendLine($"ip -n {n} {string.Join(' ', what)}:\n{Run("ip", ["-n", n, .. what], TimeSpan.FromSeconds(10)).Output}");
            }
        }
        sb.AppendLine("tc filters on the node: " + Run("ip", ["netns", "exec", Netns, "sh", "-c", "for d in $(ls /sys/class/net); do echo \"$d: $(tc filter show dev $d ingress | head -3) / $(tc filter show dev $d egress | head -3)\"; done"], TimeSpan.FromSeconds(20)).Output);
        return sb.ToString();
    }

    public static Result InNetns(string netns, TimeSpan timeout, params string[] args) =>
        Run("nsenter", ["--net=/var/run/netns/" + netns, .. args], timeout);

    public void Dispose()
    {
        foreach (var c in _containers)
        {
            Run("podman", ["rm", "-f", "-t", "0", c], TimeSpan.FromSeconds(60));
        }
        foreach (var (p, _) in _processes)
        {
            try
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
            }
            p.Dispose();
        }
        foreach (var n in Enumerable.Reverse(_netns))
        {
            Run("ip", ["netns", "del", n], TimeSpan.FromSeconds(30));
        }
        if (_rootMounted)
        {
            Run("umount", ["-R", Root], TimeSpan.FromSeconds(30));
            _rootMounted = false;
        }
        try
        {
            Directory.Delete(Path.GetDirectoryName(Root)!, recursive: true);
        }
        catch (IOException)
        {
        }
        foreach (var dir in _createdHostDirs)
        {
            try
            {
                Directory.Delete(dir); // only if still empty
            }
            catch (IOException)
            {
            }
        }
    }

    public sealed record Result(int Code, string Output);

    public sealed record Cmd(string Name, Result Result);

    private static void Must(string file, params string[] args)
    {
        var r = Run(file, args, TimeSpan.FromSeconds(30));
        if (r.Code != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {r.Code}: {r.Output}");
        }
    }

    public static Result Run(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return new Result(-1, stdout.Result + stderr.Result + "\n(timed out)");
        }
        return new Result(p.ExitCode, stdout.Result + stderr.Result);
    }
}
