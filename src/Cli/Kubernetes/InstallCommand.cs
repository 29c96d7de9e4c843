using System.CommandLine;

namespace CiliumL7.Cli.Kubernetes;

/// <summary>
/// <c>ciliuml7 install [--kubeconfig PATH] [--image IMG] [--namespace NS] [--dry-run]</c>: the
/// manifests of deploy/kubernetes (built into this binary), rendered and applied with
/// server-side apply, as <c>cilium install</c> does; <c>--dry-run</c> prints them instead.
/// </summary>
internal static class InstallCommand
{
    public static Command Create()
    {
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Kubeconfig of the cluster (default: $KUBECONFIG, ~/.kube/config or in-cluster)" };
        var image = new Option<string?>("--image") { Description = "Agent image (default: the kustomization's, localhost/ciliuml7:dev)" };
        var ns = new Option<string?>("--namespace", "-n") { Description = "Namespace of the agent's objects (default kube-system)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the manifests instead of applying them" };
        var command = new Command("install", "Install CiliumL7 into a Kubernetes cluster (CRDs, RBAC, ConfigMap, DaemonSet, Services)");
        foreach (var o in new Option[] { kubeconfig, image, ns, dryRun })
        {
            command.Options.Add(o);
        }
        command.SetAction(async (pr, ct) =>
        {
            var objects = ManifestRenderer.Render(pr.GetValue(image), pr.GetValue(ns));
            if (pr.GetValue(dryRun))
            {
                Console.Write(ManifestRenderer.ToYaml(objects));
                return 0;
            }
            try
            {
                using var cluster = ClusterClient.Connect(pr.GetValue(kubeconfig));
                Console.WriteLine($"🔮 Installing CiliumL7 into {cluster.Server}");
                foreach (var o in objects)
                {
                    Console.WriteLine($"{await cluster.ApplyAsync(o, ct).ConfigureAwait(false)} serverside-applied");
                }
                Console.WriteLine("⌛ Waiting for the agents: ciliuml7 status --kubeconfig … --wait");
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or k8s.Autorest.HttpOperationException or HttpRequestException)
            {
                Console.Error.WriteLine("Error: install failed: " + ClusterClient.Describe(e));
                return 1;
            }
        });
        return command;
    }
}
