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
            // SIGTERM stops it like Ctrl-C (the web server inside would otherwise take the signal for itself).
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx =>
            {
                ctx.Cancel = true;
                stop.Cancel();
            });
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            return 0;
        });
        var command = new Command("hubble", "Hubble tools");
        command.Subcommands.Add(ui);
        command.Subcommands.Add(HubbleRelayCommand.Create());
        return command;
    }
}
