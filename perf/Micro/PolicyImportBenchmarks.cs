using BenchmarkDotNet.Attributes;
using CiliumL7.Policy.Api;
using CiliumL7.Policy.Identity;
using CiliumL7.Policy.Resolution;

namespace CiliumL7.Perf.Micro;

/// <summary>
/// What the agent's policy engine does for <c>ciliuml7 policy import</c> of the perf
/// harness's CNP with N HTTP rules (perf/lib/rules.sh: <c>GET /svcI/v1/[a-z]+</c>):
/// parse + validate the YAML, then resolve it for a client and a backend endpoint.
/// </summary>
[MemoryDiagnoser]
public class PolicyImportBenchmarks
{
    private string _yaml = "";
    private IReadOnlyList<PolicyResource> _parsed = [];
    private List<EndpointInfo> _endpoints = [];
    private InMemoryIdentityAllocator _identities = new();

    [Params(1, 1_000, 10_000)]
    public int Rules { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _yaml = PerfPolicy.Yaml(Rules);
        _parsed = PolicyParser.ParseText(_yaml, "cnp.yaml").Resources;
        (_endpoints, _identities) = PerfPolicy.Endpoints();
    }

    [Benchmark]
    public int ParseAndValidate() => PolicyParser.ParseText(_yaml, "cnp.yaml").Errors.Count;

    [Benchmark]
    public int Resolve() => PolicyResolver.Resolve(_parsed, _endpoints, _identities).Endpoints.Count;
}
