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
            await using var node = await AgentNode.StartAsync(output, ["--k8s-kubeconfig-path", kubeconfig], prepare: n =>
            {
                socat = Process.Start(new ProcessStartInfo("nsenter", ["--net=" + n.NodeNetnsPath, "socat", "TCP-LISTEN:6443,bind=127.0.0.1,fork,reuseaddr", "UNIX-CONNECT:" + socket])
                {
                    RedirectStandardError = true,
                })!;
                return [];
            });
            Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(node.Cli("status").Stdout.Contains("Kubernetes:              Ok   http://127.0.0.1:6443/ (5/5 watches synced", StringComparison.Ordinal))),
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
            Assert.Contains("k8s:io.cilium.k8s.namespace.labels.galaxy=far-far-away", xwing.Endpoint.Labels);
            node.Serve(deathstar, 80);
            var landing = $"http://{deathstar.Ip}/v1/request-landing";
            var exhaust = $"http://{deathstar.Ip}/v1/exhaust-port";
            Assert.Equal(0, AgentNode.Curl(xwing, landing, 5, "-XPOST").ExitCode);

            // kubectl apply -f sw_l3_l4_policy.yaml
            api.Apply(Example("sw_l3_l4_policy.yaml"));
            Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(AgentNode.Curl(xwing, landing, 2, "-XPOST").ExitCode == 28)),
                "the xwing should be dropped once the API server has the policy\n" + node.AgentLog);
            Assert.Equal("Ship landed\n", AgentNode.Curl(tiefighter, landing, 5, "-XPOST").Stdout);

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

            // kubectl delete cnp: back to no policy.
            Assert.True(api.Delete("CiliumNetworkPolicy", "default", "allow-empire-in-namespace"));
            Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(AgentNode.Curl(xwing, landing, 2, "-XPOST").Stdout == "Ship landed\n")),
                "after the delete the xwing should land again\n" + node.AgentLog);
            Assert.DoesNotContain("allow-empire-in-namespace", node.Cli("policy", "get").Stdout, StringComparison.Ordinal);
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
