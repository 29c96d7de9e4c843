using System.CommandLine;
using System.Net;
using CiliumL7.Hubble.Client;
using CiliumL7.Hubble.Relay;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Cli;

/// <summary>
/// <c>ciliuml7 hubble relay [--listen-address 127.0.0.1:4245] [--peer-service ADDR]…</c>: Hubble Relay
/// (cluster-wide observer.Observer over every node's Hubble) until Ctrl-C or SIGTERM.
/// </summary>
internal static class HubbleRelayCommand
{
    public static Command Create()
    {
        var listen = new Option<string>("--listen-address") { Description = "Address the relay serves observer.Observer on", DefaultValueFactory = _ => "127.0.0.1:" + RelayOptions.DefaultPort };
        var peers = new Option<string[]>("--peer-service")
        {
            Description = "An agent's Hubble address whose Peer service lists the cluster's nodes (repeat it: the next is used when one fails)",
            DefaultValueFactory = _ => [HubbleChannel.DefaultServer],
            AllowMultipleArgumentsPerToken = false,
        };
        var dial = new Option<string>("--dial-timeout") { Description = "How long a node may take to answer before it counts as unavailable", DefaultValueFactory = _ => "5s" };
        var retry = new Option<string>("--retry-timeout") { Description = "Longest wait between reconnection attempts to a node", DefaultValueFactory = _ => "30s" };
        var sortLen = new Option<int>("--sort-buffer-len-max") { Description = "Flows held to merge followed streams in time order", DefaultValueFactory = _ => 100 };
        var sortDrain = new Option<string>("--sort-buffer-drain-timeout") { Description = "Longest a followed flow waits for older flows of other nodes", DefaultValueFactory = _ => "1s" };
        var debug = new Option<bool>("--debug") { Description = "Log node connections and discovery" };
        var relay = new Command("relay", "Run Hubble Relay: every node's flows through one observer.Observer (ciliuml7 observe --server 127.0.0.1:4245)");
        foreach (var option in new Option[] { listen, peers, dial, retry, sortLen, sortDrain, debug })
        {
            relay.Options.Add(option);
        }
        relay.SetAction(async (pr, ct) =>
        {
            var errors = new List<string>();
            var text = pr.GetValue(listen)!;
            if (!IPEndPoint.TryParse(text, out var endpoint) || (endpoint.Port == 0 && !text.EndsWith(":0", StringComparison.Ordinal)))
            {
                errors.Add($"--listen-address \"{text}\": not an address; use e.g. 127.0.0.1:4245");
            }
            var dialTimeout = Duration(pr.GetValue(dial)!, "--dial-timeout", errors);
            var retryTimeout = Duration(pr.GetValue(retry)!, "--retry-timeout", errors);
            var drain = Duration(pr.GetValue(sortDrain)!, "--sort-buffer-drain-timeout", errors);
            using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(pr.GetValue(debug) ? LogLevel.Debug : LogLevel.Information));
            var options = new RelayOptions
            {
                ListenAddress = endpoint ?? new IPEndPoint(IPAddress.Loopback, RelayOptions.DefaultPort),
                PeerServices = pr.GetValue(peers) ?? [],
                DialTimeout = dialTimeout,
                RetryTimeout = retryTimeout,
                SortBufferMaxLength = pr.GetValue(sortLen),
                SortBufferDrainTimeout = drain,
                LoggerFactory = loggerFactory,
            };
            errors.AddRange(options.Validate());
            if (errors.Count > 0)
            {
                foreach (var error in errors)
                {
                    Console.Error.WriteLine("Error: " + error);
                }
                return 2;
            }
            await using var server = new RelayServer(options);
            try
            {
                await server.StartAsync(ct).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                Console.Error.WriteLine("Error: " + e.Message);
                return 1;
            }
            Console.WriteLine($"ℹ️  Hubble Relay is serving on {server.Address} (nodes from {string.Join(", ", options.PeerServices)}); Ctrl-C stops it");
            await StopSignal.WaitAsync(ct).ConfigureAwait(false); // Ctrl-C or SIGTERM
            return 0;
        });
        return relay;
    }

    private static TimeSpan Duration(string text, string flag, List<string> errors)
    {
        if (TimeArgument.TryParseDuration(text, out var d) && d > TimeSpan.Zero)
        {
            return d;
        }
        errors.Add($"{flag} \"{text}\": not a duration; use e.g. 500ms, 5s or 1m");
        return TimeSpan.FromSeconds(1);
    }
}
