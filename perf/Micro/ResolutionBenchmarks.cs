using BenchmarkDotNet.Attributes;
using CiliumL7.Policy.Api;
using CiliumL7.Policy.Identity;
using CiliumL7.Policy.Resolution;

namespace CiliumL7.Perf.Micro;

/// <summary>Full resolution of 10,000 rules over 1,000 endpoints (goal: under 100 ms).</summary>
[MemoryDiagnoser]
public class ResolutionBenchmarks
{
    private List<PolicyResource> _policies = [];
    private List<EndpointInfo> _endpoints = [];
    private InMemoryIdentityAllocator _identities = new();

    [Params(10_000)]
    public int Rules { get; set; }

    [Params(1_000)]
    public int Endpoints { get; set; }

    [GlobalSetup]
    public void Setup() => (_policies, _endpoints, _identities) = SyntheticCluster.Build(Endpoints, Rules);

    [Benchmark]
    public int Resolve() => PolicyResolver.Resolve(_policies, _endpoints, _identities).Endpoints.Count;
}
