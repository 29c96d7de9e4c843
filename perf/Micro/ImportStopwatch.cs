using System.Diagnostics;
using CiliumL7.Policy.Api;
using CiliumL7.Policy.Resolution;

namespace CiliumL7.Perf.Micro;

/// <summary><c>--import</c>: one cold and one warm pass of parse+validate and resolve per rule count, with the heap retained.</summary>
internal static class ImportStopwatch
{
    public static void Run(IReadOnlyList<int> counts)
    {
        Console.WriteLine("rules   pass  parse+validate_ms  resolve_ms  heap_retained_mb");
        foreach (var n in counts)
        {
            var yaml = PerfPolicy.Yaml(n);
            var (endpoints, identities) = PerfPolicy.Endpoints();
            var before = Heap();
            PolicyParseResult? parsed = null;
            PolicySnapshot? snapshot = null;
            foreach (var pass in new[] { "cold", "warm" })
            {
                var sw = Stopwatch.StartNew();
                parsed = PolicyParser.ParseText(yaml, "cnp.yaml");
                var parse = sw.Elapsed.TotalMilliseconds;
                if (parsed.Errors.Count > 0)
                {
                    throw new InvalidOperationException(parsed.Errors[0].ToString());
                }
                sw.Restart();
                snapshot = PolicyResolver.Resolve(parsed.Resources, endpoints, identities);
                var resolve = sw.Elapsed.TotalMilliseconds;
                Console.WriteLine($"{n,-7} {pass,-5} {parse,17:F0} {resolve,11:F0} {(Heap() - before) / 1048576.0,17:F1}");
            }
            GC.KeepAlive(parsed);
            GC.KeepAlive(snapshot);
        }
    }

    private static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
