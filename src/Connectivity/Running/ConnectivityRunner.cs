using System.Diagnostics;
using CiliumL7.Client;
using CiliumL7.Connectivity.Deployment;
using CiliumL7.Connectivity.Model;
using CiliumL7.Connectivity.Suites;
using CiliumL7.Hubble.Printer;

namespace CiliumL7.Connectivity.Running;

/// <summary>
/// Runs the selected tests against one agent:
/// <code>
///   deploy (pods via CNI, echo servers, service, world) ─► per test: import policies ─► wait applied
///     ─► per action: curl (pinned source port) ─► check exit code ─► check flows in Hubble
///     ─► delete policies ─► wait applied ─► … ─► remove everything deployed (also on failure / Ctrl-C)
/// </code>
/// </summary>
public sealed class ConnectivityRunner
{
    private readonly ConnectivityOptions _options;
    private readonly IConnectivityReporter _reporter;
    private int _nextPort = Random.Shared.Next(20000, 28000);

    public ConnectivityRunner(ConnectivityOptions options, IConnectivityReporter reporter)
    {
        _options = options;
        _reporter = reporter;
    }

    /// <summary>Runs <paramref name="tests"/> (default: the whole catalog) and returns the report; never leaves anything behind.</summary>
    public async Task<RunReport> RunAsync(IReadOnlyList<ConnectivityTest>? tests = null, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        var selected = (tests ?? TestCatalog.All()).Where(t => _options.Selector.Matches(t.Name)).ToList();
        var results = new List<TestResult>();
        var cancelled = false;
        string? error = null;
        using var agent = new AgentClient(_options.AgentSocket, TimeSpan.FromSeconds(30));
        await using (var deployment = new TestDeployment(_options, _reporter.Info))
        {
            try
            {
                if (selected.Any(t => t.SkipReason is null))
                {
                    await deployment.DeployAsync(ct).ConfigureAwait(false);
                }
                _reporter.Info($"🏃 Running {selected.Count(t => t.SkipReason is null)} tests ({selected.Count(t => t.SkipReason is not null)} skipped) in namespace {_options.TestNamespace}");
                using var flows = new FlowValidator(_options.HubbleServer);
                for (var i = 0; i < selected.Count; i++)
                {
                    var result = await RunTestAsync(selected[i], deployment, agent, flows, ct).ConfigureAwait(false);
                    results.Add(result);
                    _reporter.TestDone(result, i + 1, selected.Count);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                cancelled = true;
                _reporter.Info("🛑 Interrupted: removing what this run created");
            }
            catch (Exception e) when (e is InvalidOperationException or AgentException or AgentUnavailableException or AgentTimeoutException or HttpRequestException or IOException or System.Text.Json.JsonException)
            {
                error = "the test environment could not be deployed: " + e.Message;
                _reporter.Info("❌ " + error);
            }
        }
        return new RunReport(results, clock.Elapsed, cancelled) { Error = error };
    }

    private async Task<TestResult> RunTestAsync(ConnectivityTest test, TestDeployment deployment, AgentClient agent, FlowValidator flows, CancellationToken ct)
    {
        if (test.SkipReason is not null)
        {
            return new TestResult { Test = test, SkipReason = test.SkipReason };
        }
        if (test.NeedsOtherNode && deployment.OtherNodeProblem is { } single)
        {
            return new TestResult { Test = test, SkipReason = single };
        }
        var clock = Stopwatch.StartNew();
        var actions = new List<ActionResult>();
        try
        {
            // :: Step 1: the test's policies, in force before the first action.
            foreach (var yaml in test.Policies)
            {
                var text = yaml.Replace(Cnp.Namespace, _options.TestNamespace, StringComparison.Ordinal);
                var result = await agent.ImportPolicyAsync(text, "connectivity-test/" + test.Name, ct).ConfigureAwait(false);
                await WaitAppliedAsync(agent, result.Revision, test.Name, ct).ConfigureAwait(false);
            }
            if (test.Policies.Count > 0)
            {
                // The datapath maps are written after the revision is reported; a short settle.
                await Task.Delay(300, ct).ConfigureAwait(false);
            }

            // :: Step 2: the actions.
            foreach (var action in test.Actions)
            {
                actions.Add(await RunActionAsync(action, deployment, flows, ct).ConfigureAwait(false));
            }
            return new TestResult { Test = test, Actions = actions, Duration = clock.Elapsed };
        }
        catch (Exception e) when (e is AgentException or AgentUnavailableException or AgentTimeoutException or InvalidOperationException or Grpc.Core.RpcException or HttpRequestException)
        {
            return new TestResult { Test = test, Actions = actions, Error = e.Message, Duration = clock.Elapsed };
        }
        finally
        {
            // :: Step 3: the policies go, even when the test failed or was interrupted; so do the names its queries taught the agent.
            await RemovePoliciesAsync(agent).ConfigureAwait(false);
            if (test.Actions.Any(a => a.Dns is not null))
            {
                await TestDeployment.ForgetTestNamesAsync(agent, _reporter.Info).ConfigureAwait(false);
            }
        }
    }

    private async Task RemovePoliciesAsync(AgentClient agent)
    {
        long revision = 0;
        try
        {
            var policy = await agent.GetPolicyAsync(CancellationToken.None).ConfigureAwait(false);
            foreach (var resource in policy.Policies.Where(r => r.Namespace == _options.TestNamespace))
            {
                var deleted = await agent.DeletePolicyAsync(resource.Name, resource.Namespace, all: false, CancellationToken.None).ConfigureAwait(false);
                revision = Math.Max(revision, deleted.Revision);
            }
            if (revision > 0)
            {
                await agent.WaitForPolicyAppliedAsync(revision, _options.PolicyTimeout, CancellationToken.None).ConfigureAwait(false);
                await Task.Delay(200, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is AgentException or AgentUnavailableException or AgentTimeoutException or HttpRequestException)
        {
            _reporter.Info($"⚠️  Could not remove the test policies in namespace {_options.TestNamespace}: {e.Message}");
        }
    }

    private async Task WaitAppliedAsync(AgentClient agent, long revision, string test, CancellationToken ct)
    {
        var wait = await agent.WaitForPolicyAppliedAsync(revision, _options.PolicyTimeout, ct).ConfigureAwait(false);
        if (!wait.Applied)
        {
            throw new InvalidOperationException(wait.Error is null
                ? $"the policy of test {test} (revision {revision}) was not applied within {_options.PolicyTimeout.TotalSeconds:0}s (applied: {wait.AppliedRevision})"
                : $"the policy of test {test} failed to apply: {wait.Error}");
        }
    }

    /// <summary>The client command of <paramref name="action"/>: curl, dig (DNS) or kcat (Kafka).</summary>
    private List<string> Command(TestAction action, TestDeployment deployment, int localPort)
    {
        if (action.Dns is { } dns)
        {
            return DigCommand.Build(deployment.Netns(action.From)!, deployment.Pod(action.From).Ip, deployment.Address(action.To), dns, localPort, _options);
        }
        if (action.Kafka is { } kafka)
        {
            return KcatCommand.Build(deployment.Netns(action.From)!, deployment.KafkaBootstrap, kafka, _options);
        }
        return CurlCommand.Build(deployment.Netns(action.From), deployment.Address(action.To), action, localPort, _options);
    }

    private async Task<ActionResult> RunActionAsync(TestAction action, TestDeployment deployment, FlowValidator flows, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var port = Interlocked.Increment(ref _nextPort);
        if (port > 60000)
        {
            _nextPort = 20000;
        }
        var since = DateTimeOffset.UtcNow.AddMilliseconds(-500);
        var args = Command(action, deployment, port);
        var stdin = action.Kafka is { } kafka ? KcatCommand.Stdin(kafka) : null;
        var command = string.Join(' ', args.Select(a => a.Contains(' ', StringComparison.Ordinal) || a.Contains('%', StringComparison.Ordinal) ? "'" + a + "'" : a))
            + (stdin is null ? "" : " <<< '" + stdin.TrimEnd() + "'");
        var timeout = _options.RequestTimeout + TimeSpan.FromSeconds(10);
        var run = await ProcessRunner.RunAsync(args[0], args.Skip(1), timeout, ct, stdin).ConfigureAwait(false);
        var httpCode = 0;
        if (action.Dns is null && action.Kafka is null)
        {
            _ = int.TryParse(run.Stdout.Trim(), out httpCode);
        }

        var failures = ActionCheck.Failures(action, run, httpCode);
        var warnings = new List<string>();
        var seen = new List<string>();
        if (_options.FlowValidation != FlowValidation.Disabled)
        {
            var clientIp = action.From is Peer.Host or Peer.World or Peer.World2 or Peer.WorldDns ? null : deployment.Pod(action.From).Ip;
            var (found, problems) = await flows.ValidateAsync(new FlowValidator.Connection(clientIp, port, action), since, ct).ConfigureAwait(false);
            seen.AddRange(found.Select(FlowPrinter.CompactLine));
            (_options.FlowValidation == FlowValidation.Strict ? failures : warnings).AddRange(problems.Select(p => "flow validation: " + p));
        }
        return new ActionResult
        {
            Action = action,
            Command = command,
            ExitCode = run.ExitCode,
            HttpCode = httpCode,
            Flows = seen,
            Failures = failures,
            Warnings = warnings,
            Duration = clock.Elapsed,
        };
    }
}
