using CiliumL7.Policy.Api;
using CiliumL7.Policy.Identity;
using CiliumL7.Policy.Resolution;

namespace CiliumL7.Perf.Micro;

/// <summary>
/// A synthetic cluster: E endpoints (app=svcN over 10 namespaces, 2 replicas each)
/// and R rules (in CNPs of 10 rules per namespace); rule k selects app=svc(k mod services)
/// and allows 3 other services of its namespace on one of 50 ports, every 10th rule with
/// 2 HTTP rules.
/// </summary>
internal static class SyntheticCluster
{
    public static (List<PolicyResource> Policies, List<EndpointInfo> Endpoints, InMemoryIdentityAllocator Identities) Build(int endpoints, int rules)
    {
        var identities = new InMemoryIdentityAllocator();
        var services = endpoints / 2;
        var eps = new List<EndpointInfo>(endpoints);
        for (var i = 0; i < endpoints; i++)
        {
            var svc = i % services;
            var ns = "ns" + (svc % 10);
            var labels = LabelSet.FromK8s(ns, [new("app", "svc" + svc), new("tier", svc % 3 == 0 ? "web" : "backend")]);
            eps.Add(new EndpointInfo((uint)i + 1, ns, "pod" + i, labels, identities.GetOrAllocate(labels)));
        }
        var policies = new List<PolicyResource>(rules / 10);
        var batches = new Dictionary<string, List<Rule>>();
        for (var k = 0; k < rules; k++)
        {
            var svc = k % services;
            var peers = new List<EndpointSelector>();
            for (var p = 1; p <= 3; p++)
            {
                peers.Add(new EndpointSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "svc" + ((svc + p * 10) % services) } });
            }
            var port = new PortProtocol { Port = (8000 + ((k / services) % 50)).ToString(System.Globalization.CultureInfo.InvariantCulture), Protocol = "TCP" };
            L7Rules? l7 = k % 10 == 0
                ? new L7Rules { Http = [new PortRuleHttp { Method = "GET", Path = "/api/v1/items/" + k }, new PortRuleHttp { Method = "POST", Path = "/api/v1/orders/[0-9]+" }] }
                : null;
            var ns = "ns" + (svc % 10);
            if (!batches.TryGetValue(ns, out var batch))
            {
                batches[ns] = batch = [];
            }
            batch.Add(new Rule
            {
                Path = "specs[" + batch.Count + "]",
                EndpointSelector = new EndpointSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "svc" + svc } },
                Ingress = [new IngressRule { FromEndpoints = peers, ToPorts = [new PortRule { Ports = [port], Rules = l7 }] }],
            });
            if (batch.Count == 10)
            {
                policies.Add(new PolicyResource { Kind = PolicyKinds.CiliumNetworkPolicy, Namespace = ns, Name = "p" + k, Rules = batch, Source = "synthetic" });
                batches.Remove(ns);
            }
        }
        return (policies, eps, identities);
    }
}
