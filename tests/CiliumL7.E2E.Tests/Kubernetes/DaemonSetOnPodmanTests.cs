using CiliumL7.TestSupport;
using Xunit.Abstractions;
using static CiliumL7.E2E.Tests.Kubernetes.RenderedManifests;

namespace CiliumL7.E2E.Tests.Kubernetes;

/// <summary>
/// The DaemonSet's pod spec, EXECUTED: the manifests are rendered with kustomize, the
/// init container and the agent container run with podman from the image `make image`
/// built, exactly as the spec says (command, args, env, capabilities, host network,
/// every volume and its propagation) on a stand-in node (<see cref="PodmanNode"/>),
/// and the Death Star tutorial runs against that containerised agent — pods wired by
/// the CNI plugin the init container installed. A manifest that forgets a mount or a
/// capability fails here. What is not exercised: a kubelet, an API server, the probes'
/// scheduling (the probe's request is made by the test).
/// </summary>
public sealed class DaemonSetOnPodmanTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CurlTimeout = TimeSpan.FromSeconds(20);

    [SkippableFact]
    public void DaemonSet_RunWithPodman_TutorialEnforcedAndSurvivesAgentReplacement()
    {
        Privileged.Require();
        var archive = RepoPaths.Combine("bin", "ciliuml7-image.tar");
        Skip.IfNot(File.Exists(archive), "bin/ciliuml7-image.tar is not built (run make image)");
        var image = "localhost/ciliuml7:e2e-" + Guid.NewGuid().ToString("N")[..8];
        var load = PodmanNode.Run("podman", ["load", "-i", archive], TimeSpan.FromMinutes(2));
        Assert.True(load.Code == 0, load.Output);
        var loaded = load.Output.Split('\n').Select(l => l.Trim()).Last(l => l.StartsWith("Loaded image", StringComparison.Ordinal)).Split(' ').Last();
        Assert.Equal(0, PodmanNode.Run("podman", ["tag", loaded, image], TimeSpan.FromSeconds(30)).Code);
        try
        {
            RunTutorial(image);
        }
        finally
        {
            PodmanNode.Run("podman", ["rmi", "-f", image], TimeSpan.FromSeconds(60));
        }
    }

    private void RunTutorial(string image)
    {
        var manifests = RenderedManifests.Render();
        var ds = manifests.Get("DaemonSet", "ciliuml7");
        var podSpec = Node(ds, "spec", "template", "spec")!;
        var agentContainer = Seq(podSpec, "containers").Single(c => Str(c, "name") == "ciliuml7-agent");
        var config = Map(manifests.Get("ConfigMap", "ciliuml7-config"), "data");

        using var node = new PodmanNode(image);
        // The ConfigMap, as the kubelet projects it: a file per key. This node's pods get their own range.
        var configDir = Path.Combine(Path.GetDirectoryName(node.Root)!, "config-map");
        Directory.CreateDirectory(configDir);
        foreach (var (key, value) in config)
        {
            File.WriteAllText(Path.Combine(configDir, key), value);
        }
        // No API server here to hand out the Node's podCIDR: the ConfigMap's cluster-pool alternative.
        File.WriteAllText(Path.Combine(configDir, "ipam"), "cluster-pool");
        File.WriteAllText(Path.Combine(configDir, "pod-cidr"), "10.244.61.0/24");

        // Init containers, in order, each to completion.
        foreach (var init in Seq(podSpec, "initContainers"))
        {
            var r = node.Start(podSpec, init, configDir, detach: false);
            output.WriteLine($"init {r.Name}: {r.Result.Output}");
            Assert.True(r.Result.Code == 0, $"init container {Str(init, "name")} exited {r.Result.Code}: {r.Result.Output}");
        }
        Assert.True(File.Exists(node.HostPath("/opt/cni/bin/ciliuml7-cni")), "install-cni did not put the plugin in the node's /opt/cni/bin");
        Assert.True(File.Exists(node.HostPath("/etc/cni/net.d/05-ciliuml7.conflist")), "install-cni did not write the node's CNI config");

        var agent = StartAgent(node, podSpec, agentContainer, configDir);
        try
        {
            // The node's forwarding was off; the agent (not privileged) turned it on through the node's /proc/sys/net.
            Assert.Equal("1", node.Sysctl("net.ipv4.ip_forward"));
            Assert.Equal("1", node.Sysctl("net.ipv6.conf.all.forwarding"));

            // The deathstar (two replicas in the tutorial; one is enough here), tiefighter, xwing.
            var deathstar = node.AddPod("deathstar", "default", Labels("org=empire", "class=deathstar"));
            var tiefighter = node.AddPod("tiefighter", "default", Labels("org=empire", "class=tiefighter"));
            var xwing = node.AddPod("xwing", "default", Labels("org=alliance", "class=xwing"));
            node.StartInPod(deathstar.Netns, RepoPaths.Combine("bin", "ciliuml7-deathstar"), "--listen", "0.0.0.0:80", "--name", "deathstar");
            var landing = $"http://{deathstar.Ip}/v1/request-landing";
            var exhaust = $"http://{deathstar.Ip}/v1/exhaust-port";
            if (!Eventually(() => Curl(xwing.Netns, "-X", "POST", landing).Output.Contains("Ship landed", StringComparison.Ordinal)))
            {
                var last = Curl(xwing.Netns, "-S", "-X", "POST", landing);
                Assert.Fail($"without a policy the xwing should land: curl exited {last.Code}: {last.Output}\n{node.Describe()}");
            }

            // L3/L4 then L7 policy, imported with the CLI inside the agent's container (kubectl exec's equivalent).
            Import(agent, "sw_l3_l4_policy.yaml");
            Assert.Contains("Ship landed", Curl(tiefighter.Netns, "-X", "POST", landing).Output, StringComparison.Ordinal);
            Assert.Equal(28, Curl(xwing.Netns, "--connect-timeout", "2", "-X", "POST", landing).Code);
            Import(agent, "sw_l3_l4_l7_policy.yaml");
            Assert.Contains("Ship landed", Curl(tiefighter.Netns, "-X", "POST", landing).Output, StringComparison.Ordinal);
            var denied = Curl(tiefighter.Netns, "-X", "PUT", "-H", "X-Has-Force: True", exhaust);
            Assert.Contains("Access denied", denied.Output, StringComparison.Ordinal);
            var flows = Exec(agent, "ciliuml7", "observe", "--last", "200", "--type", "l7");
            Assert.Contains("http-request DROPPED (HTTP/1.1 PUT", flows.Output, StringComparison.Ordinal);

            // A rolling update: the agent's pod is deleted and replaced. Meanwhile the eBPF
            // programs keep enforcing (the xwing stays dropped); the new agent takes the node back.
            node.RemoveContainer(agent);
            Assert.Equal(28, Curl(xwing.Netns, "--connect-timeout", "2", "-X", "POST", landing).Code);
            agent = StartAgent(node, podSpec, agentContainer, configDir);
            Assert.True(Eventually(() => Curl(tiefighter.Netns, "-X", "PUT", "-H", "X-Has-Force: True", exhaust).Output.Contains("Access denied", StringComparison.Ordinal)),
                "after the agent's replacement the L7 policy should be in force again");
            Assert.Contains("Ship landed", Curl(tiefighter.Netns, "-X", "POST", landing).Output, StringComparison.Ordinal);
            Assert.Equal(28, Curl(xwing.Netns, "--connect-timeout", "2", "-X", "POST", landing).Code);

            foreach (var (name, pod) in new[] { ("deathstar", deathstar), ("tiefighter", tiefighter), ("xwing", xwing) })
            {
                node.DeletePod(name, "default", pod.Netns);
            }
        }
        catch
        {
            output.WriteLine("agent log:\n" + PodmanNode.Run("podman", ["logs", "--tail", "60", agent], TimeSpan.FromSeconds(30)).Output);
            throw;
        }
    }

    /// <summary>Starts the agent container and waits as the startup probe would (its own bounds).</summary>
    private string StartAgent(PodmanNode node, YamlDotNet.RepresentationModel.YamlNode podSpec, YamlDotNet.RepresentationModel.YamlNode container, string configDir)
    {
        var started = node.Start(podSpec, container, configDir, detach: true);
        Assert.True(started.Result.Code == 0, "podman run of the agent failed: " + started.Result.Output);
        var probe = Node(container, "startupProbe", "httpGet")!;
        var url = $"http://{Str(probe, "host")}:{Str(probe, "port")}{Str(probe, "path")}";
        var period = int.Parse(Str(container, "startupProbe", "periodSeconds") ?? "10");
        var failures = int.Parse(Str(container, "startupProbe", "failureThreshold") ?? "3");
        for (var i = 0; i < failures; i++)
        {
            var r = PodmanNode.InNetns(node.Netns, TimeSpan.FromSeconds(10), "curl", "-s", "-m", "2", "-o", "/dev/null", "-w", "%{http_code}", url);
            if (r.Output.Trim() == "200")
            {
                return started.Name;
            }
            Thread.Sleep(TimeSpan.FromSeconds(period));
        }
        var log = PodmanNode.Run("podman", ["logs", "--tail", "60", started.Name], TimeSpan.FromSeconds(30)).Output;
        throw new Xunit.Sdk.XunitException($"the agent's startup probe ({url}) never answered 200; agent log:\n{log}");
    }

    private static void Import(string agent, string example)
    {
        var file = RepoPaths.Combine("examples", "deathstar", example);
        Assert.Equal(0, PodmanNode.Run("podman", ["cp", file, $"{agent}:/tmp/{example}"], TimeSpan.FromSeconds(30)).Code);
        var r = Exec(agent, "ciliuml7", "policy", "import", "/tmp/" + example);
        Assert.True(r.Code == 0, $"policy import {example} in the agent's container exited {r.Code}: {r.Output}");
    }

    private static PodmanNode.Result Exec(string container, params string[] args) =>
        PodmanNode.Run("podman", ["exec", container, .. args], TimeSpan.FromSeconds(60));

    private static PodmanNode.Result Curl(string netns, params string[] args) =>
        PodmanNode.InNetns(netns, CurlTimeout, ["curl", "-s", "-m", "5", .. args]);

    private static Dictionary<string, string> Labels(params string[] pairs) =>
        pairs.Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    private static bool Eventually(Func<bool> check)
    {
        for (var i = 0; i < 40; i++)
        {
            if (check())
            {
                return true;
            }
            Thread.Sleep(250);
        }
        return false;
    }
}
