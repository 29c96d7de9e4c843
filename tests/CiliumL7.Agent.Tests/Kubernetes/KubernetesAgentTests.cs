using System.Diagnostics;
using CiliumL7.Agent.Tests.Support;
using CiliumL7.TestSupport;
using Xunit.Abstractions;

namespace CiliumL7.Agent.Tests.Kubernetes;

/// <summary>
/// The agent in Kubernetes mode, end to end: a real agent (eBPF, proxy) in a node
/// namespace with <c>--k8s-kubeconfig-path</c>, its policies coming only from the
/// (test) API server — what <c>kubectl apply</c> / <c>kubectl delete</c> of a
/// CiliumNetworkPolicy does to a node. The API server listens on a unix socket; socat in
/// the node namespace makes it the node's 127.0.0.1:6443.
/// </summary>
public sealed class KubernetesAgentTests(ITestOutputHelper output)
{
    private static string Example(string file) => File.ReadAllText(RepoPaths.Combine("examples", "deathstar", file));

    private static string Node(string name, string ip, string cidr) =>
        $"apiVersion: v1\nkind: Node\nmetadata:\n  name: {name}\nspec:\n  podCIDR: {cidr}\n  podCIDRs: [{cidr}]\nstatus:\n  addresses:\n  - type: InternalIP\n    address: {ip}\n";

    private static string Slice(string ip1, string ip2, bool secondReady) =>
        $"apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: deathstar-x1\n  namespace: default\n  labels:\n    kubernetes.io/service-name: deathstar\n" +
        $"addressType: IPv4\nports:\n- name: http\n  port: 8080\n  protocol: TCP\nendpoints:\n- addresses: [\"{ip1}\"]\n  conditions: {{ready: true}}\n" +
        $"- addresses: [\"{ip2}\"]\n  conditions: {{ready: {(secondReady ? "true" : "false")}}}\n";

    private static System.Text.Json.Nodes.JsonObject? ValidCondition(TestApiServer api) =>
        (api.Get("CiliumNetworkPolicy", "default", "allow-empire-in-namespace")?["status"]?["conditions"] as System.Text.Json.Nodes.JsonArray)?
            .OfType<System.Text.Json.Nodes.JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == "Valid");

    [SkippableFact]
    public async Task KubectlApplyAndDelete_DeathStarPolicies_EnforcedFromTheApiServer()
    {
        Privileged.Require();
        var dir = Directory.CreateTempSubdirectory("cl7-k8s-agent-").FullName;
        Process? socat = null;
        try
        {
            var socket = Path.Combine(dir, "apiserver.sock");
            await using var api = await TestApiServer.StartAsync(socket);
            var kubeconfig = api.WriteKubeconfig(Path.Combine(dir, "kubeconfig"), "http://127.0.0.1:6443");
            // --ipam kubernetes: the node's pod CIDR is the Node object's (a /25 of the test node's /24 here).
            await using var node = await AgentNode.StartAsync(output, ["--k8s-kubeconfig-path", kubeconfig, "--ipam", "kubernetes"], podCidr: "10.244.77.0/24", prepare: n =>
            {
                // The node's underlay (a veth pair inside its netns) and its Node object.
                n.InNode("ip", "link", "add", "underlay", "type", "veth", "peer", "name", "underlay-peer");
                n.InNode("ip", "addr", "add", "172.31.77.1/24", "dev", "underlay");
                n.InNode("ip", "link", "set", "underlay", "up");
                n.InNode("ip", "link", "set", "underlay-peer", "up");
                api.Apply(Node(n.NodeName, "172.31.77.1", "10.244.77.128/25"));
                socat = Process.Start(new ProcessStartInfo("nsenter", ["--net=" + n.NodeNetnsPath, "socat", "TCP-LISTEN:6443,bind=127.0.0.1,fork,reuseaddr", "UNIX-CONNECT:" + socket])
                {
                    RedirectStandardError = true,
                })!;
                return [];
            });
            Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(node.Cli("status").Stdout.Contains("Kubernetes:              Ok   http://127.0.0.1:6443/ (8/8 watches synced", StringComparison.Ordinal))),
                "status should show the synced watches:\n" + node.Cli("status").All + node.AgentLog);

            // The pods exist in the API server with their labels; the CNI ADD names the pod only,
            // and the agent takes its labels (and its namespace's) from the API server.
            api.Apply("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n  labels:\n    galaxy: far-far-away\n");
            foreach (var (pod, labels) in new[] { ("deathstar", "org: empire\n    class: deathstar"), ("tiefighter", "org: empire\n    class: tiefighter"), ("xwing", "org: alliance\n    class: xwing") })
            {
                api.Apply($"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {pod}\n  namespace: default\n  labels:\n    {labels}\nspec:\n  containers:\n  - name: c\n    image: x\n");
            }
            var deathstar = node.CreatePod("deathstar", "");
            var tiefighter = node.CreatePod("tiefighter", "");
            var xwing = node.CreatePod("xwing", "");
            Assert.Contains("k8s:class=deathstar", deathstar.Endpoint.Labels);
            Assert.True(System.Net.IPNetwork.Parse("10.244.77.128/25").Contains(System.Net.IPAddress.Parse(deathstar.Ip)), $"pod address {deathstar.Ip} should come from the Node's podCIDR 10.244.77.128/25");
            Assert.Contains("k8s:io.cilium.k8s.namespace.labels.galaxy=far-far-away", xwing.Endpoint.Labels);
            node.Serve(deathstar, 80);

            // A Service whose backends come from its EndpointSlice: a backend that turns not-ready
            // gets no new connections to the ClusterIP (socket LB in the pods).
            api.Apply("apiVersion: v1\nkind: Pod\nmetadata:\n  name: deathstar2\n  namespace: default\n  labels:\n    org: empire\n    class: deathstar\nspec:\n  containers:\n  - name: c\n    image: x\n");
            var deathstar2 = node.CreatePod("deathstar2", "");
            var backend1 = node.Serve(deathstar, 8080);
            var backend2 = node.Serve(deathstar2, 8080);
            api.Apply("apiVersion: v1\nkind: Service\nmetadata:\n  name: deathstar\n  namespace: default\nspec:\n  clusterIP: 10.96.77.1\n  selector:\n    class: deathstar\n  ports:\n  - name: http\n    port: 80\n    targetPort: web\n");
            api.Apply(Slice(deathstar.Ip, deathstar2.Ip, secondReady: true));
            var vip = "http://10.96.77.1/";
            Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(AgentNode.Curl(tiefighter, vip, 2).Stdout == "Ship landed\n" && backend1.Accepted > 0 && backend2.Accepted > 0)),
                $"both ready backends should get connections to the ClusterIP ({backend1.Accepted}/{backend2.Accepted})\n" + node.Cli("service", "list").All + node.AgentLog);
            api.Apply(Slice(deathstar.Ip, deathstar2.Ip, secondReady: false));
            Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(!node.Cli("service", "list").Stdout.Contains(deathstar2.Ip + ":8080", StringComparison.Ordinal))),
                "the not-ready backend should leave the service\n" + node.Cli("service", "list").All);
            var before = (backend1.Accepted, backend2.Accepted);
            for (var i = 0; i < 10; i++)
            {
                Assert.Equal("Ship landed\n", AgentNode.Curl(tiefighter, vip, 5).Stdout);
            }
            Assert.Equal((before.Item1 + 10, before.Item2), (backend1.Accepted, backend2.Accepted));

            var landing = $"http://{deathstar.Ip}/v1/request-landing";
            var exhaust = $"http://{deathstar.Ip}/v1/exhaust-port";
            Assert.Equal(0, AgentNode.Curl(xwing, landing, 5, "-XPOST").ExitCode);

            // kubectl apply -f sw_l3_l4_policy.yaml
            api.Apply(Example("sw_l3_l4_policy.yaml"));
            Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(AgentNode.Curl(xwing, landing, 2, "-XPOST").ExitCode == 28)),
                "the xwing should be dropped once the API server has the policy\n" + node.AgentLog);
            Assert.Equal("Ship landed\n", AgentNode.Curl(tiefighter, landing, 5, "-XPOST").Stdout);

            // kubectl label pod xwing org=empire --overwrite: a new identity, the policy now lets it in; and back.
            api.Apply("apiVersion: v1\nkind: Pod\nmetadata:\n  name: xwing\n  namespace: default\n  labels:\n    org: empire\n    class: xwing\nspec:\n  containers:\n  - name: c\n    image: x\n");
            Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(AgentNode.Curl(xwing, landing, 2, "-XPOST").Stdout == "Ship landed\n")),
                "the relabelled xwing should be allowed\n" + node.AgentLog);
            api.Apply("apiVersion: v1\nkind: Pod\nmetadata:\n  name: xwing\n  namespace: default\n  labels:\n    org: alliance\n    class: xwing\nspec:\n  containers:\n  - name: c\n    image: x\n");
            Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(AgentNode.Curl(xwing, landing, 2, "-XPOST").ExitCode == 28)),
                "relabelled back, the xwing should be dropped again\n" + node.AgentLog);

            // kubectl apply -f sw_l3_l4_l7_policy.yaml (the same object, now with L7 rules)
            api.Apply(Example("sw_l3_l4_l7_policy.yaml"));
            Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(AgentNode.Curl(tiefighter, exhaust, 5, "-XPUT").Stdout.StartsWith("Access denied", StringComparison.Ordinal))),
                "PUT /v1/exhaust-port should be denied\n" + node.AgentLog);

            // A broken update: rejected and reported; the last good version stays in force.
            api.Apply(Example("sw_l3_l4_l7_policy.yaml").Replace("  endpointSelector:\n    matchLabels:", "  endpointSelector:\n    matchLables:", StringComparison.Ordinal));
            Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(node.Cli("status").Stdout.Contains("matchLables", StringComparison.Ordinal))),
                "status should report the rejected object\n" + node.Cli("status").All);
            Assert.StartsWith("Access denied", AgentNode.Curl(tiefighter, exhaust, 5, "-XPUT").Stdout, StringComparison.Ordinal);
            Assert.Equal(28, AgentNode.Curl(xwing, landing, 2, "-XPOST").ExitCode);
            // ... and on the object: its Valid condition is False, naming the field (kubectl describe cnp).
            Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(ValidCondition(api)?["status"]?.GetValue<string>() == "False")),
                "the CNP's Valid condition should be False\n" + api.Get("CiliumNetworkPolicy", "default", "allow-empire-in-namespace"));
            Assert.Contains("spec.endpointSelector.matchLables", ValidCondition(api)!["message"]!.GetValue<string>(), StringComparison.Ordinal);

            // kubectl delete cnp: back to no policy.
            Assert.True(api.Delete("CiliumNetworkPolicy", "default", "allow-empire-in-namespace"));
            Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(AgentNode.Curl(xwing, landing, 2, "-XPOST").Stdout == "Ship landed\n")),
                "after the delete the xwing should land again\n" + node.AgentLog);
            Assert.DoesNotContain("allow-empire-in-namespace", node.Cli("policy", "get").Stdout, StringComparison.Ordinal);

            // Another Node: a route to its pod CIDR via its InternalIP; deleted, the route goes. Never one to our own CIDR.
            string Routes() => node.InNode("ip", "-4", "route", "show", "proto", "198").Stdout.Trim();
            api.Apply(Node("peer-node", "172.31.77.2", "10.244.79.0/24"));
            Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(Routes().StartsWith("10.244.79.0/24 via 172.31.77.2 dev underlay", StringComparison.Ordinal))),
                "route to the other node's pod CIDR expected, got: " + Routes() + "\n" + node.AgentLog);
            Assert.DoesNotContain("10.244.77.", Routes(), StringComparison.Ordinal);
            Assert.Contains("peer-node", node.Cli("node", "list").Stdout, StringComparison.Ordinal);
            Assert.True(api.Delete("Node", "", "peer-node"));
            Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(Routes().Length == 0)), "the route should go with the Node: " + Routes());
        }
        finally
        {
            if (socat is not null)
            {
                try
                {
                    socat.Kill(entireProcessTree: true);
                    socat.WaitForExit(5000);
                }
                catch (InvalidOperationException)
                {
                }
                socat.Dispose();
            }
            Directory.Delete(dir, recursive: true);
        }
    }
}
