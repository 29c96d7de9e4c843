using k8s.Models;

namespace CiliumL7.Cli.Kubernetes;

/// <summary>
/// <c>ciliuml7 status --kubeconfig PATH [--wait]</c>: the agents as Kubernetes sees them, the way
/// <c>cilium status</c> shows its DaemonSet — desired, ready, available, up to date — waiting,
/// with <c>--wait</c>, until every node's agent is ready (and the rollout has finished).
/// </summary>
internal static class ClusterStatus
{
    public static async Task<int> RunAsync(string? kubeconfig, string ns, bool wait, TimeSpan duration, TextWriter o, CancellationToken ct)
    {
        try
        {
            using var cluster = ClusterClient.Connect(kubeconfig);
            var deadline = DateTime.UtcNow + duration;
            V1DaemonSet ds;
            while (true)
            {
                ds = await cluster.ReadDaemonSetAsync(ns, "ciliuml7", ct).ConfigureAwait(false);
                if (!wait || IsReady(ds) || DateTime.UtcNow >= deadline)
                {
                    break;
                }
                await Task.Delay(TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
            }
            Print(ds, o);
            if (IsReady(ds))
            {
                return 0;
            }
            if (wait)
            {
                Console.Error.WriteLine($"Error: the ciliuml7 DaemonSet did not become ready within {duration}");
            }
            return 1;
        }
        catch (Exception e) when (e is ArgumentException or k8s.Autorest.HttpOperationException or HttpRequestException)
        {
            Console.Error.WriteLine($"Error: cannot read DaemonSet {ns}/ciliuml7: {ClusterClient.Describe(e)}");
            return 1;
        }
    }

    /// <summary>Every scheduled agent ready and available, on the current template.</summary>
    public static bool IsReady(V1DaemonSet ds)
    {
        var s = ds.Status;
        return s is not null && s.DesiredNumberScheduled > 0
            && (s.ObservedGeneration ?? 0) >= (ds.Metadata.Generation ?? 0)
            && s.NumberReady == s.DesiredNumberScheduled
            && (s.NumberAvailable ?? 0) == s.DesiredNumberScheduled
            && (s.UpdatedNumberScheduled ?? 0) == s.DesiredNumberScheduled;
    }

    public static void Print(V1DaemonSet ds, TextWriter o)
    {
        var s = ds.Status;
        var desired = s?.DesiredNumberScheduled ?? 0;
        o.WriteLine($"CiliumL7:                {(IsReady(ds) ? "OK" : "Not ready")}");
        o.WriteLine($"DaemonSet                ciliuml7          Desired: {desired}, Ready: {s?.NumberReady ?? 0}/{desired}, Available: {s?.NumberAvailable ?? 0}/{desired}, Up-to-date: {s?.UpdatedNumberScheduled ?? 0}/{desired}");
        if ((s?.NumberUnavailable ?? 0) > 0)
        {
            o.WriteLine($"                         Unavailable: {s!.NumberUnavailable}");
        }
        var image = ds.Spec?.Template?.Spec?.Containers?.FirstOrDefault(c => c.Name == "ciliuml7-agent")?.Image;
        o.WriteLine($"Image versions           ciliuml7          {image}: {desired}");
    }
}
