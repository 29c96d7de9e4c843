using CiliumL7.Connectivity.Running;

namespace CiliumL7.Connectivity.Reporting;

/// <summary>
/// cilium-cli's output: a line per test with its actions and ✅/❌ (⏭️ for skipped), the
/// failed actions with the command, expected vs actual and the flows seen, then the report whose
/// last line is the summary.
/// </summary>
public sealed class TextReporter : IConnectivityReporter
{
    private readonly TextWriter _out;
    private readonly bool _verbose;

    public TextReporter(TextWriter output, bool verbose)
    {
        _out = output;
        _verbose = verbose;
    }

    public void Info(string line)
    {
        lock (_out)
        {
            _out.WriteLine(line);
            _out.Flush();
        }
    }

    public void TestDone(TestResult result, int index, int total)
    {
        lock (_out)
        {
            var position = $"[{index}/{total}]";
            if (result.Skipped)
            {
                _out.WriteLine($"⏭️  {position} {result.Test.Name}: skipped ({result.SkipReason})");
                _out.Flush();
                return;
            }
            var mark = result.Passed ? "✅" : "❌";
            var actions = string.Join(", ", result.Actions.Select(a => (a.Passed ? "" : "❌ ") + a.Action.Name));
            _out.WriteLine($"{mark} {position} {result.Test.Name} ({result.Actions.Count} actions: {actions}) {result.Duration.TotalSeconds:0.0}s");
            foreach (var action in result.Actions.Where(a => _verbose || !a.Passed || a.Warnings.Count > 0))
            {
                WriteAction(_out, action, _verbose);
            }
            if (result.Error is not null)
            {
                _out.WriteLine($"    ❌ {result.Error}");
            }
            _out.Flush();
        }
    }

    /// <summary>The report: every failed test with its failed actions, and the summary as the last line.</summary>
    public void WriteReport(RunReport report)
    {
        lock (_out)
        {
            _out.WriteLine();
            _out.WriteLine($"📋 Test Report ({report.Duration.TotalSeconds:0.0}s)");
            foreach (var test in report.Tests.Where(t => !t.Skipped && !t.Passed))
            {
                _out.WriteLine($"Test [{test.Test.Name}]:");
                if (test.Error is not null)
                {
                    _out.WriteLine($"  ❌ {test.Error}");
                }
                foreach (var action in test.Actions.Where(a => !a.Passed))
                {
                    _out.WriteLine($"  ❌ {test.Test.Name}/{action.Action.Name}: {string.Join("; ", action.Failures)}");
                }
            }
            _out.WriteLine(report.Summary);
            _out.Flush();
        }
    }

    private static void WriteAction(TextWriter o, ActionResult a, bool verbose)
    {
        var mark = a.Passed ? "✅" : "❌";
        o.WriteLine($"    {mark} {a.Action.Name}: {a.Action.From} → {a.Action.To}:{a.Action.Port} {a.Action.What} — exit {a.ExitCode}{(a.HttpCode > 0 ? $", HTTP {a.HttpCode}" : "")} (expected {Running.CurlCommand.Describe(a.Action.Expect)})");
        o.WriteLine($"       command: {a.Command}");
        foreach (var failure in a.Failures)
        {
            o.WriteLine($"       ❌ {failure}");
        }
        foreach (var warning in a.Warnings)
        {
            o.WriteLine($"       ⚠️  {warning}");
        }
        if (!a.Passed || verbose)
        {
            o.WriteLine(a.Flows.Count == 0 ? "       flows seen: none" : "       flows seen:");
            foreach (var flow in a.Flows)
            {
                o.WriteLine("         " + flow);
            }
        }
    }
}
