namespace CiliumL7.Cli.Kubernetes;

/// <summary>
/// <c>ciliuml7 hubble enable [--ui]</c> / <c>hubble disable</c> in a cluster: the agents'
/// ConfigMap gets (or loses) the Hubble listen addresses, and the DaemonSet's pods are
/// restarted to read it, as <c>cilium hubble enable</c> does.
/// </summary>
internal static class HubbleSwitch
{
    public const string Listen = ":4244";
    public const string UiListen = ":12000";

    public static async Task<int> RunAsync(bool enable, bool ui, string? kubeconfig, string ns, TextWriter o, CancellationToken ct)
    {
        try
        {
            using var cluster = ClusterClient.Connect(kubeconfig);
            var data = new Dictionary<string, string?>
            {
                // Flows stay on each agent's unix socket either way; this is the Observer on the node's addresses.
                ["hubble-listen-address"] = enable ? Listen : "",
                ["hubble-ui-listen-address"] = enable && ui ? UiListen : null,
            };
            await cluster.PatchConfigAsync(ns, "ciliuml7-config", data, ct).ConfigureAwait(false);
            await cluster.RestartAsync(ns, "ciliuml7", DateTimeOffset.UtcNow, ct).ConfigureAwait(false);
            o.WriteLine(enable
                ? $"✅ Hubble enabled (Observer on {Listen} of every node{(ui ? $", UI on {UiListen}" : "")}); the agents restart to take it"
                : "✅ Hubble's network listeners disabled; the agents restart to take it");
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or k8s.Autorest.HttpOperationException or HttpRequestException)
        {
            Console.Error.WriteLine($"Error: hubble {(enable ? "enable" : "disable")} failed: {ClusterClient.Describe(e)}");
            return 1;
        }
    }
}
