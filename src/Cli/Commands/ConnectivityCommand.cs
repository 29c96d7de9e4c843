using System.CommandLine;
using System.Runtime.InteropServices;
using CiliumL7.Client;
using CiliumL7.Connectivity;
using CiliumL7.Connectivity.Deployment;
using CiliumL7.Connectivity.Reporting;
using CiliumL7.Connectivity.Running;
using CiliumL7.Connectivity.Suites;
using CiliumL7.Hubble.Client;

namespace CiliumL7.Cli;

/// <summary>
/// <c>ciliuml7 connectivity test</c> (cilium-cli's flags where they apply) and the hidden
/// <c>connectivity echo-server</c> it runs in its pods and world host.
/// </summary>
internal static class ConnectivityCommand
{
    public static Command Create()
    {
        var host = AgentConnection.CreateHostOption();
        var command = new Command("connectivity", "Connectivity tests of this node (pods, services, world, policies, L7, Hubble flows)");
        command.Options.Add(host);
        command.Subcommands.Add(Test(host));
        command.Subcommands.Add(EchoServerCommand());
        return command;
    }

    private static Command Test(Option<string?> host)
    {
        var requestTimeout = new Option<string>("--request-timeout") { Description = "Maximum time of one request (curl --max-time), e.g. 10s", DefaultValueFactory = _ => "10s" };
        var connectTimeout = new Option<string>("--connect-timeout") { Description = "Maximum time to connect (curl --connect-timeout); a dropped SYN takes this long", DefaultValueFactory = _ => "2s" };
        var tests = new Option<string[]>("--test", "-t") { Description = "Run only tests whose name matches REGEX; !REGEX excludes (repeatable, comma-separated)", AllowMultipleArgumentsPerToken = true };
        var ns = new Option<string>("--test-namespace") { Description = "Namespace of the test pods, service and policies", DefaultValueFactory = _ => "ciliuml7-test" };
        var flowValidation = new Option<string>("--flow-validation") { Description = "Check each action's flows in Hubble: strict, warning or disabled", DefaultValueFactory = _ => "strict" };
        flowValidation.AcceptOnlyFromAmong("strict", "warning", "disabled");
        var junit = new Option<string?>("--junit-file") { Description = "Also write the results as JUnit XML to this file" };
        var output = new Option<string>("--output", "-o") { Description = "Output format: text or json (the report on stdout, progress on stderr)", DefaultValueFactory = _ => "text" };
        output.AcceptOnlyFromAmong("text", "json");
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Show every action with its command and the flows seen" };
        var hubble = new Option<string?>("--hubble-server") { Description = "Hubble server (default: hubble.sock next to the agent socket)" };
        var list = new Option<bool>("--list") { Description = "List the tests (and why some are skipped) without running them" };
        var command = new Command("test", "Deploy test pods, a service and a world host, run the connectivity tests with their policies, check every flow in Hubble, remove everything");
        foreach (var o in new Option[] { requestTimeout, connectTimeout, tests, ns, flowValidation, junit, output, verbose, hubble, list })
        {
            command.Options.Add(o);
        }
        // A synchronous action: Ctrl-C is handled here (cancel, then clean up fully), not by the parser's 2s termination timeout.
        command.SetAction(pr => AgentConnection.RunAsync(async () =>
        {
            var selector = TestSelector.Parse(pr.GetValue(tests) ?? []);
            if (pr.GetValue(list))
            {
                foreach (var t in TestCatalog.All().Where(t => selector.Matches(t.Name)))
                {
                    Console.WriteLine(t.SkipReason is null ? $"{t.Name} ({t.Actions.Count} actions)" : $"{t.Name} (skipped: {t.SkipReason})");
                }
                return 0;
            }
            var socket = AgentClient.ResolveSocketPath(pr.GetValue(host));
            var options = new ConnectivityOptions
            {
                AgentSocket = socket,
                HubbleServer = pr.GetValue(hubble) ?? "unix://" + Path.Combine(Path.GetDirectoryName(socket) ?? "/", "hubble.sock"),
                CliPath = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell where the ciliuml7 binary is"),
                TestNamespace = pr.GetValue(ns)!,
                ConnectTimeout = Duration("--connect-timeout", pr.GetValue(connectTimeout)!),
                RequestTimeout = Duration("--request-timeout", pr.GetValue(requestTimeout)!),
                Selector = selector,
                FlowValidation = Enum.Parse<FlowValidation>(pr.GetValue(flowValidation)!, ignoreCase: true),
                Verbose = pr.GetValue(verbose),
            };
            var json = pr.GetValue(output) == "json";
            using (var agent = new AgentClient(socket))
            {
                await agent.GetStatusAsync().ConfigureAwait(false); // a clear error when no agent answers, before anything is made
            }
            using var cts = new CancellationTokenSource();
            void OnSignal(PosixSignalContext c)
            {
                c.Cancel = true;
                cts.Cancel();
            }
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);
            var text = new TextReporter(Console.Out, options.Verbose);
            IConnectivityReporter reporter = json ? new StderrReporter() : text;
            var report = await new ConnectivityRunner(options, reporter).RunAsync(ct: cts.Token).ConfigureAwait(false);
            if (pr.GetValue(junit) is { } junitFile)
            {
                JunitWriter.Write(junitFile, report);
            }
            if (json)
            {
                using var stdout = Console.OpenStandardOutput();
                JsonReportWriter.Write(stdout, report);
                stdout.WriteByte((byte)'\n');
            }
            else
            {
                text.WriteReport(report);
            }
            return report.Success ? 0 : 1;
        }).GetAwaiter().GetResult());
        return command;
    }

    private static Command EchoServerCommand()
    {
        var listen = new Option<int[]>("--listen") { Description = "TCP port to serve HTTP on (repeatable)", Required = true, AllowMultipleArgumentsPerToken = true };
        var name = new Option<string>("--name") { Description = "Server name echoed in every answer", DefaultValueFactory = _ => Environment.MachineName };
        var command = new Command("echo-server", "HTTP echo server of the connectivity test pods (runs until SIGTERM)") { Hidden = true };
        command.Options.Add(listen);
        command.Options.Add(name);
        command.SetAction(async (pr, ct) =>
        {
            await EchoServer.RunAsync(pr.GetValue(name)!, pr.GetValue(listen)!, ct).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static TimeSpan Duration(string flag, string text)
    {
        if (TimeArgument.TryParseDuration(text, out var d) && d > TimeSpan.Zero)
        {
            return d;
        }
        if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }
        throw new ArgumentException($"{flag} \"{text}\": not a duration; use e.g. 10s, 500ms or 1m");
    }
}
