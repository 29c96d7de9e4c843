using System.CommandLine;
using System.Net;
using CiliumL7.Hubble.Client;
using CiliumL7.Hubble.Ui;

namespace CiliumL7.Cli;

/// <summary><c>ciliuml7 hubble ui [--server ADDR] [--listen 127.0.0.1:12000]</c>: serves the Hubble UI until Ctrl-C; <c>ciliuml7 hubble relay</c>: see <see cref="HubbleRelayCommand"/>.</summary>
internal static class HubbleUiCommand
{
    public static Command Create()
    {
        var server = new Option<string>("--server") { Description = "Hubble server to read flows from: unix:///path or host:port", DefaultValueFactory = _ => HubbleChannel.DefaultServer };
        var listen = new Option<string>("--listen") { Description = "Address the UI listens on", DefaultValueFactory = _ => "127.0.0.1:12000" };
        var ui = new Command("ui", "Serve the Hubble UI (service map and live flows; every asset from this binary)");
        ui.Options.Add(server);
        ui.Options.Add(listen);
        ui.SetAction(async (pr, ct) =>
        {
            var text = pr.GetValue(listen)!;
            if (!IPEndPoint.TryParse(text, out var endpoint) || endpoint.Port == 0 && !text.EndsWith(":0", StringComparison.Ordinal))
            {
                Console.Error.WriteLine($"Error: --listen \"{text}\": not an address; use e.g. 127.0.0.1:12000");
                return 2;
            }
            await using var host = await HubbleUiServer.StartAsync(endpoint, pr.GetValue(server)!, ct).ConfigureAwait(false);
            Console.WriteLine($"ℹ️  Hubble UI is available at {host.Address} (flows from {pr.GetValue(server)}); Ctrl-C stops it");
            await StopSignal.WaitAsync(ct).ConfigureAwait(false); // Ctrl-C or SIGTERM
            return 0;
        });
        var command = new Command("hubble", "Hubble tools");
        command.Subcommands.Add(ui);
        command.Subcommands.Add(HubbleRelayCommand.Create());
        command.Subcommands.Add(Switch(enable: true));
        command.Subcommands.Add(Switch(enable: false));
        return command;
    }

    /// <summary><c>hubble enable [--ui]</c> / <c>hubble disable</c> in a Kubernetes cluster.</summary>
    private static Command Switch(bool enable)
    {
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Kubeconfig of the cluster (default: $KUBECONFIG, ~/.kube/config or in-cluster)" };
        var ns = new Option<string>("--namespace", "-n") { Description = "Namespace of the agents", DefaultValueFactory = _ => "kube-system" };
        var withUi = new Option<bool>("--ui") { Description = "Also serve the Hubble UI on every agent (:12000)" };
        var command = new Command(enable ? "enable" : "disable", enable
            ? "Turn on Hubble's Observer on every node's address (and the UI with --ui) and restart the agents"
            : "Turn off Hubble's network listeners (flows stay on each agent's socket) and restart the agents");
        command.Options.Add(kubeconfig);
        command.Options.Add(ns);
        if (enable)
        {
            command.Options.Add(withUi);
        }
        command.SetAction((pr, ct) => Kubernetes.HubbleSwitch.RunAsync(enable, enable && pr.GetValue(withUi), pr.GetValue(kubeconfig), pr.GetValue(ns)!, Console.Out, ct));
        return command;
    }
}
