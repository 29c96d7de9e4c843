using BenchmarkDotNet.Attributes;
using CiliumL7.Policy.L7;
using CiliumL7.Policy.Tracing;

namespace CiliumL7.Perf.Micro;

/// <summary>
/// Judging one HTTP request against a rule set of 1 / 100 / 10,000 rules
/// (goal: nearly flat). Literal paths are indexed; regex paths are scanned
/// behind a literal-prefix check. The request matches the last rule (worst case)
/// or none.
/// </summary>
[MemoryDiagnoser]
public class HttpMatchBenchmarks
{
    private HttpRuleSet _literal = HttpRuleSet.AllowAll;
    private HttpRuleSet _regex = HttpRuleSet.AllowAll;
    private HttpRuleSet _footed = HttpRuleSet.AllowAll;
    private TraceHttpRequest _hitFooted = new("GET", "/");
    private TraceHttpRequest _hitLiteral = new("GET", "/");
    private TraceHttpRequest _hitRegex = new("GET", "/");
    private readonly TraceHttpRequest _miss = new("PUT", "/v1/exhaust-port");

    [Params(1, 100, 10_000)]
    public int Rules { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var literal = new List<HttpRule>(Rules);
        var regex = new List<HttpRule>(Rules);
        var footed = new List<HttpRule>(Rules);
        for (var i = 0; i < Rules; i++)
        {
            literal.Add(new HttpRule("GET", "/api/v1/items/" + i, null, null, "default/p"));
            regex.Add(new HttpRule("GET|HEAD", "/api/v" + i + "/items/[0-9]+", null, null, "default/p"));
            footed.Add(new HttpRule("GET", "/tenant/[a-z]+/svc" + i, null, null, "default/p")); // one prefix, told apart by the foot
        }
        _literal = new HttpRuleSet(literal, "default/p");
        _regex = new HttpRuleSet(regex, "default/p");
        _footed = new HttpRuleSet(footed, "default/p");
        _hitFooted = new TraceHttpRequest("GET", "/tenant/acme/svc" + (Rules - 1));
        _hitLiteral = new TraceHttpRequest("GET", "/api/v1/items/" + (Rules - 1));
        _hitRegex = new TraceHttpRequest("GET", "/api/v" + (Rules - 1) + "/items/42");
    }

    [Benchmark]
    public bool LiteralPaths_LastRuleMatches() => _literal.Judge(_hitLiteral).Allowed;

    [Benchmark]
    public bool LiteralPaths_NoMatch() => _literal.Judge(_miss).Allowed;

    [Benchmark]
    public bool RegexPaths_LastRuleMatches() => _regex.Judge(_hitRegex).Allowed;

    [Benchmark]
    public bool RegexPaths_NoMatch() => _regex.Judge(_miss).Allowed;

    [Benchmark]
    public bool FootedPaths_LastRuleMatches() => _footed.Judge(_hitFooted).Allowed;

    [Benchmark]
    public bool FootedPaths_NoMatch() => _footed.Judge(_miss).Allowed;
}
