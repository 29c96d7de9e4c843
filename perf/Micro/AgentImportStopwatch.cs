using System.Diagnostics;
using CiliumL7.Agent.Policies;
using CiliumL7.Policy.Api;
using CiliumL7.Policy.Api.Limits;
using CiliumL7.Policy.Resolution;

namespace CiliumL7.Perf.Micro;

/// <summary>
/// <c>--agent-import [N...]</c>: the agent's import steps for the perf CNP with N rules, each timed
/// (median of 7 warm passes after one cold one): the YAML read into resources (the guarded event
/// parse and tree, each resource written back as its own YAML), validation, and the resolution.
/// </summary>
internal static class AgentImportStopwatch
{
    private const int Passes = 8;

    public static void Run(IReadOnlyList<int> counts)
    {
        Console.WriteLine("rules   split_ms (load  save)  validate_ms  resolve_ms  total_ms   (median of 7 warm passes; cold total)");
        foreach (var n in counts)
        {
            var yaml = PerfPolicy.Yaml(n);
            var (endpoints, identities) = PerfPolicy.Endpoints();
            var rows = new List<double[]>();
            for (var pass = 0; pass < Passes; pass++)
            {
                var t0 = Stopwatch.GetTimestamp();
                var stream = new YamlDotNet.RepresentationModel.YamlStream();
                stream.Load(new GuardedYamlParser(yaml));
                var t1 = Stopwatch.GetTimestamp();
                var (split, errors) = YamlDocuments.Split(yaml, "cnp.yaml");
                var t2 = Stopwatch.GetTimestamp();
                if (errors.Count > 0)
                {
                    throw new InvalidOperationException(errors[0]);
                }
                var resources = new List<PolicyResource>();
                foreach (var (_, root) in split)
                {
                    var parsed = PolicyParser.ParseDocument(root, "cnp.yaml");
                    if (parsed.Errors.Count > 0)
                    {
                        throw new InvalidOperationException(parsed.Errors[0].ToString());
                    }
                    resources.AddRange(parsed.Resources);
                }
                var t3 = Stopwatch.GetTimestamp();
                var snapshot = PolicyResolver.Resolve(resources, endpoints, identities);
                var t4 = Stopwatch.GetTimestamp();
                GC.KeepAlive(snapshot);
                var split_ = Ms(t1, t2);
                var load = Ms(t0, t1);
                rows.Add([split_, load, Math.Max(0, split_ - load), Ms(t2, t3), Ms(t3, t4), split_ + Ms(t2, t4)]);
            }
            if (Environment.GetEnvironmentVariable("MICRO_ROWS") is not null)
            {
                rows.ForEach(r => Console.WriteLine(string.Join(" ", r.Select(v => v.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))));
            }
            var warm = rows.Skip(1).ToList();
            double Median(int column) => warm.Select(r => r[column]).Order().ElementAt(warm.Count / 2);
            Console.WriteLine($"{n,-7} {Median(0),8:F1} ({Median(1),5:F1} {Median(2),5:F1}) {Median(3),11:F1} {Median(4),11:F1} {Median(5),9:F1}   cold {rows[0][5]:F1}");
        }
    }

    private static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;
}
