using CiliumL7.Connectivity.Deployment;
using CiliumL7.Connectivity.Model;

namespace CiliumL7.Connectivity.Running;

/// <summary>What an action's client command must show, per kind (curl, dig, kcat); every expectation handled, none passes by default.</summary>
internal static class ActionCheck
{
    /// <summary>The mismatches between <paramref name="run"/> and the action's expectation (empty: as expected).</summary>
    public static List<string> Failures(TestAction action, ProcessRunner.Result run, int httpCode)
    {
        var failures = new List<string>();
        var stderr = run.Stderr.Trim().Length > 0 ? ": " + Last(run.Stderr) : "";
        if (action.Dns is not null)
        {
            var status = DigCommand.Status(run.Stdout);
            var wanted = action.Expect switch
            {
                Expect.DnsAnswered => "NOERROR",
                Expect.DnsRefused => "REFUSED",
                _ => throw new ArgumentOutOfRangeException(nameof(action), action.Expect, "not an expectation of a DNS action"),
            };
            if (run.ExitCode != 0 || status != wanted)
            {
                failures.Add($"dig exit {run.ExitCode}, status {status ?? "(no answer)"}, expected {CurlCommand.Describe(action.Expect)}{stderr}");
            }
            return failures;
        }
        if (action.Kafka is not null)
        {
            var denied = run.Stdout.Contains(KcatCommand.AuthorizationFailed, StringComparison.OrdinalIgnoreCase)
                || run.Stderr.Contains(KcatCommand.AuthorizationFailed, StringComparison.OrdinalIgnoreCase);
            switch (action.Expect)
            {
                case Expect.KafkaAllowed:
                    if (run.ExitCode != 0 || denied)
                    {
                        failures.Add($"kcat exit {run.ExitCode}, expected {CurlCommand.Describe(action.Expect)}{stderr}");
                    }
                    break;
                case Expect.KafkaDenied:
                    if (run.ExitCode == 0 || !denied)
                    {
                        failures.Add($"kcat exit {run.ExitCode}, expected {CurlCommand.Describe(action.Expect)}{stderr}");
                    }
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(action), action.Expect, "not an expectation of a Kafka action");
            }
            return failures;
        }
        var expectedExit = CurlCommand.ExpectedExit(action.Expect);
        if (run.ExitCode != expectedExit)
        {
            failures.Add($"curl exit {run.ExitCode}{(httpCode > 0 ? $" (HTTP {httpCode})" : "")}, expected {CurlCommand.Describe(action.Expect)}{stderr}");
        }
        else if (action.Expect == Expect.L7Denied && httpCode != 403)
        {
            failures.Add($"HTTP {httpCode}, expected 403 (Access denied)");
        }
        return failures;
    }

    private static string Last(string text)
    {
        var lines = text.Trim().Split('\n');
        return string.Join(" | ", lines.Skip(Math.Max(0, lines.Length - 3))).Trim();
    }
}
