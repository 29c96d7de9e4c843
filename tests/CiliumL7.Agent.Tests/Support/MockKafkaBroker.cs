using System.Diagnostics;
using System.Text;
using CiliumL7.TestSupport;

namespace CiliumL7.Agent.Tests.Support;

/// <summary>examples/kafka/mock-broker.sh, stopped by SIGTERM to its PID (it stops what it started).</summary>
internal sealed class MockKafkaBroker : IDisposable
{
    private readonly Process _process;

    private MockKafkaBroker(Process process, string bootstrap)
    {
        _process = process;
        Bootstrap = bootstrap;
    }

    public string Bootstrap { get; }

    public static MockKafkaBroker Start(TestPod broker, IEnumerable<TestPod> clients, params string[] topics)
    {
        var psi = new ProcessStartInfo(RepoPaths.Combine("examples", "kafka", "mock-broker.sh")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--broker", broker.NetnsPath }.Concat(clients.SelectMany(c => new[] { "--client", c.NetnsPath })).Concat(topics))
        {
            psi.ArgumentList.Add(a);
        }
        var process = Process.Start(psi)!;
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (stderr) { stderr.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        var line = process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        if (line is null || !line.StartsWith("bootstrap ", StringComparison.Ordinal))
        {
            Stop(process);
            lock (stderr)
            {
                throw new InvalidOperationException($"mock-broker.sh printed \"{line}\":\n{stderr}");
            }
        }
        return new MockKafkaBroker(process, line.Split(' ')[1]);
    }

    public void Dispose()
    {
        Stop(_process);
        _process.Dispose();
    }

    private static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            Cmd.Run("kill", "-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (!process.WaitForExit(10_000))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
    }
}
