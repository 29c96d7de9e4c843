using System.Diagnostics;
using BenchmarkDotNet.Running;
using CiliumL7.Policy.Resolution;

namespace CiliumL7.Perf.Micro;

/// <summary>
/// Policy engine microbenchmarks. Quick run (short job):
/// <c>dotnet run -c Release --project perf/Micro -- --filter '*' --job short</c>.
/// <c>-- --stopwatch</c> times ten warm resolutions without BenchmarkDotNet;
/// <c>-- --import [N...]</c> times parse+validate and resolve of the perf CNP with N rules
/// and reports the managed heap they leave behind; <c>-- --agent-import [N...]</c> times the agent's
/// import steps (split, validate, resolve);
/// <c>-- --flows S</c> / <c>-- --grpc-follow S</c> measure flows/s of the flow pipeline (see <see cref="FlowThroughput"/>).
/// </summary>
internal static class Program
{
    private static void Main(string[] args)
    {
        if (args is [("--flows" or "--grpc-follow") and var mode, ..])
        {
            var culture = System.Globalization.CultureInfo.InvariantCulture;
            var seconds = args.Length > 1 ? double.Parse(args[1], culture) : 5;
            var rate = args.Length > 2 ? double.Parse(args[2], culture) : 0;
            FlowThroughput.RunAsync(mode, seconds, rate).GetAwaiter().GetResult();
            return;
        }
        if (args is ["--stopwatch", ..])
        {
            var (policies, endpoints, identities) = SyntheticCluster.Build(1_000, 10_000);
            for (var i = 0; i < 10; i++)
            {
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                var snapshot = PolicyResolver.Resolve(policies, endpoints, identities);
                var wall = sw.Elapsed.TotalMilliseconds;
                cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
                Console.WriteLine($"resolve #{i}: {wall:F1} ms wall, {cpu.TotalMilliseconds:F1} ms CPU (all threads, incl. GC), {snapshot.Endpoints.Count} endpoints, {snapshot.Endpoints.Values.Sum(e => e.Entries.Length)} entries");
            }
            return;
        }
        if (args is ["--import", .. var counts])
        {
            ImportStopwatch.Run(counts.Length == 0 ? [1, 1_000, 10_000] : [.. counts.Select(int.Parse)]);
            return;
        }
        if (args is ["--agent-import", .. var agentCounts])
        {
            AgentImportStopwatch.Run(agentCounts.Length == 0 ? [1, 1_000, 10_000] : [.. agentCounts.Select(int.Parse)]);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
