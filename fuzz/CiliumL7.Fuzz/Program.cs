using System.Diagnostics;
using System.Text;

namespace CiliumL7.Fuzz;

/// <summary>
/// <c>make fuzz</c>: bounded-time mutational fuzzing of the readers of untrusted input.
/// <code>
/// CiliumL7.Fuzz TARGET SECONDS CORPUS_DIR FINDINGS_DIR [SEED]
///   targets: policy-yaml | rest-json | cni-config | dns-message | kafka-request | http1-diff
/// </code>
/// A finding (an exception a target must never throw, a crash, or — for http1-diff — the fast path and
/// Kestrel's path disagreeing) is written to FINDINGS_DIR and makes the exit code 1. A stack overflow kills
/// the process (exit 134 under the runner): also a finding, with the input in FINDINGS_DIR/current.
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        if (args.Length < 4)
        {
            Console.Error.WriteLine("usage: CiliumL7.Fuzz policy-yaml|rest-json|cni-config|dns-message|kafka-request|http1-diff SECONDS CORPUS_DIR FINDINGS_DIR [SEED]");
            return 2;
        }
        var target = args[0];
        var seconds = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        var seed = args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : Environment.TickCount;
        Directory.CreateDirectory(args[3]);
        var corpus = Directory.EnumerateFiles(args[2]).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
        if (corpus.Count == 0)
        {
            Console.Error.WriteLine($"no seeds in {args[2]}");
            return 2;
        }
        await using var harness = await Targets.CreateAsync(target);
        var mutator = new Mutator(new Random(seed), corpus, harness.Dictionary);
        var current = Path.Combine(args[3], "current");
        var clock = Stopwatch.StartNew();
        long runs = 0, findings = 0;
        foreach (var input in corpus.Concat(Enumerable.Repeat(0, int.MaxValue).Select(_ => mutator.Next())))
        {
            if (clock.Elapsed.TotalSeconds >= seconds)
            {
                break;
            }
            await File.WriteAllBytesAsync(current, input);
            var problem = await harness.RunAsync(input);
            runs++;
            if (problem is not null)
            {
                findings++;
                var file = Path.Combine(args[3], $"{target}-{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(input))[..16]}");
                await File.WriteAllBytesAsync(file, input);
                Console.Error.WriteLine($"FINDING {file}: {problem}");
            }
        }
        File.Delete(current);
        Console.WriteLine($"{target}: {runs} inputs in {clock.Elapsed.TotalSeconds:F0}s (seed {seed}), {findings} finding(s)");
        return findings == 0 ? 0 : 1;
    }
}
