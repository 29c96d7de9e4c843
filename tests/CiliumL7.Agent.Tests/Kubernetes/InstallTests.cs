using System.Diagnostics;
using System.Text.Json.Nodes;
using CiliumL7.Cli.Kubernetes;
using CiliumL7.TestSupport;
using YamlDotNet.RepresentationModel;

namespace CiliumL7.Agent.Tests.Kubernetes;

/// <summary>
/// <c>ciliuml7 install</c>, <c>status --kubeconfig --wait</c> and <c>hubble enable/disable</c>,
/// the real CLI binary against <see cref="TestApiServer"/> through a kubeconfig.
/// </summary>
public sealed class InstallTests : IAsyncLifetime
{
    private const string DaemonSetPath = "/apis/apps/v1/namespaces/kube-system/daemonsets/ciliuml7";
    private const string ConfigMapPath = "/api/v1/namespaces/kube-system/configmaps/ciliuml7-config";
    private readonly string _dir = Directory.CreateTempSubdirectory("cl7-install-").FullName;
    private TestApiServer _server = null!;
    private string _kubeconfig = null!;

    public async Task InitializeAsync()
    {
        _server = await TestApiServer.StartAsync();
        _kubeconfig = _server.WriteKubeconfig(Path.Combine(_dir, "kubeconfig"));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Render_BuiltInManifests_AreWhatKubectlKustomizeRenders()
    {
        var ours = ManifestRenderer.Render().Select(o => Canonical(ClusterClient.ToJson(o))).ToList();
        var kustomize = Run("kubectl", "kustomize", RepoPaths.Combine("deploy", "kubernetes"));
        Assert.Equal(0, kustomize.Code);
        var stream = new YamlStream();
        stream.Load(new StringReader(kustomize.Output));
        var theirs = stream.Documents.Select(d => Canonical(ClusterClient.ToJson(d.RootNode))).ToList();

        Assert.Equal(theirs.Count, ours.Count);
        Assert.Equal(theirs.Order(), ours.Order());
    }

    [SkippableFact]
    public async Task Install_StatusWait_HubbleEnable_AgainstAnApiServer()
    {
        Skip.IfNot(File.Exists(Bin), "bin/ciliuml7 is not built (make build)");

        var dry = Run(Bin, "install", "--dry-run", "--image", "registry.example/ciliuml7:1.2.3");
        Assert.Equal(0, dry.Code);
        Assert.Contains("image: registry.example/ciliuml7:1.2.3", dry.Output, StringComparison.Ordinal);
        Assert.Empty(_server.Written);

        var install = Run(Bin, "install", "--kubeconfig", _kubeconfig);
        Assert.True(install.Code == 0, install.Output);
        Assert.Contains("daemonset/ciliuml7 serverside-applied", install.Output, StringComparison.Ordinal);
        Assert.Equal(9, _server.Written.Count);
        Assert.True(_server.Written.ContainsKey("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/ciliumnetworkpolicies.cilium.io"));
        Assert.Equal("localhost/ciliuml7:dev", _server.Written[DaemonSetPath]["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
        Assert.Equal(0, Run(Bin, "install", "--kubeconfig", _kubeconfig).Code); // idempotent
        Assert.Equal(1, _server.Written[DaemonSetPath]["metadata"]!["generation"]!.GetValue<long>());

        // status --wait: not ready → waits; the DaemonSet controller reports the agents ready → 0.
        SetDaemonSetStatus(ready: 0);
        var notReady = Run(Bin, "status", "--kubeconfig", _kubeconfig);
        Assert.Equal(1, notReady.Code);
        Assert.Contains("Ready: 0/3", notReady.Output, StringComparison.Ordinal);
        var waiting = Start(Bin, "status", "--kubeconfig", _kubeconfig, "--wait", "--wait-duration", "00:01:00");
        await Task.Delay(2500);
        Assert.False(waiting.HasExited, "status --wait returned before the agents were ready: " + (waiting.HasExited ? waiting.StandardOutput.ReadToEnd() + waiting.StandardError.ReadToEnd() : ""));
        SetDaemonSetStatus(ready: 3);
        Assert.True(waiting.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, waiting.ExitCode);
        Assert.Contains("Desired: 3, Ready: 3/3, Available: 3/3", await waiting.StandardOutput.ReadToEndAsync(), StringComparison.Ordinal);

        // hubble enable --ui: the ConfigMap gets the listen addresses, the pods are restarted.
        var enable = Run(Bin, "hubble", "enable", "--ui", "--kubeconfig", _kubeconfig);
        Assert.True(enable.Code == 0, enable.Output);
        var data = _server.Written[ConfigMapPath]["data"]!;
        Assert.Equal((":4244", ":12000"), (data["hubble-listen-address"]!.GetValue<string>(), data["hubble-ui-listen-address"]!.GetValue<string>()));
        Assert.Equal("refused", data["tofqdns-dns-reject-response-code"]!.GetValue<string>()); // other keys stay
        Assert.NotNull(_server.Written[DaemonSetPath]["spec"]!["template"]!["metadata"]!["annotations"]!["ciliuml7.io/restartedAt"]);
        Assert.Equal(2, _server.Written[DaemonSetPath]["metadata"]!["generation"]!.GetValue<long>());

        var disable = Run(Bin, "hubble", "disable", "--kubeconfig", _kubeconfig);
        Assert.True(disable.Code == 0, disable.Output);
        data = _server.Written[ConfigMapPath]["data"]!;
        Assert.Equal("", data["hubble-listen-address"]!.GetValue<string>());
        Assert.Null(data["hubble-ui-listen-address"]);
    }

    [SkippableFact]
    public void Install_ApiServerRefuses_SaysWhyAndExits1()
    {
        Skip.IfNot(File.Exists(Bin), "bin/ciliuml7 is not built (make build)");
        File.WriteAllText(_kubeconfig, File.ReadAllText(_kubeconfig).Replace(_server.Token, "wrong", StringComparison.Ordinal));

        var r = Run(Bin, "install", "--kubeconfig", _kubeconfig);

        Assert.Equal(1, r.Code);
        Assert.Contains("Error: install failed: 401", r.Output, StringComparison.Ordinal);
    }

    private void SetDaemonSetStatus(int ready) => _server.SetStatus(DaemonSetPath, new JsonObject
    {
        ["observedGeneration"] = _server.Written[DaemonSetPath]["metadata"]!["generation"]!.GetValue<long>(),
        ["desiredNumberScheduled"] = 3,
        ["currentNumberScheduled"] = 3,
        ["numberMisscheduled"] = 0,
        ["numberReady"] = ready,
        ["numberAvailable"] = ready,
        ["numberUnavailable"] = 3 - ready,
        ["updatedNumberScheduled"] = 3,
    });

    /// <summary>JSON with every object's keys sorted (key order carries no meaning).</summary>
    private static string Canonical(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => JsonValue.Create(kv.Key).ToJsonString() + ":" + Canonical(kv.Value))) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Canonical)) + "]",
        null => "null",
        _ => node.ToJsonString(),
    };

    private static string Bin => RepoPaths.Combine("bin", "ciliuml7");

    private static (int Code, string Output) Run(string file, params string[] args)
    {
        using var p = Start(file, args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            return (-1, "timed out");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    private static Process Start(string file, params string[] args) =>
        Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
}
