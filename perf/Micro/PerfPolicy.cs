using System.Globalization;
using System.Text;
using CiliumL7.Policy.Identity;
using CiliumL7.Policy.Resolution;

namespace CiliumL7.Perf.Micro;

/// <summary>The perf harness's L7 policy (perf/lib/rules.sh, <c>rules_gen_many</c> + <c>rules_render</c>) and its two pods.</summary>
internal static class PerfPolicy
{
    /// <summary>One CNP: ingress of app=perf-backend from app=perf-client on 80 and 81, N rules <c>GET /svcI/v1/[a-z]+</c>.</summary>
    public static string Yaml(int rules)
    {
        var sb = new StringBuilder("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata:
              name: perf-l7
              namespace: default
            spec:
              endpointSelector:
                matchLabels:
                  app: perf-backend
              ingress:
              - fromEndpoints:
                - matchLabels:
                    app: perf-client
                toPorts:
                - ports:
                  - port: "80"
                    protocol: TCP
                  - port: "81"
                    protocol: TCP
                  rules:
                    http:

            """);
        for (var i = 1; i <= rules; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"        - method: \"GET\"\n          path: '/svc{i}/v1/[a-z]+'\n");
        }
        return sb.ToString();
    }

    /// <summary>The client and backend endpoints with their identities.</summary>
    public static (List<EndpointInfo> Endpoints, InMemoryIdentityAllocator Identities) Endpoints()
    {
        var identities = new InMemoryIdentityAllocator();
        var endpoints = new List<EndpointInfo>();
        foreach (var (id, app) in new[] { (1u, "perf-client"), (2u, "perf-backend") })
        {
            var labels = LabelSet.FromK8s("default", [new("app", app)]);
            endpoints.Add(new EndpointInfo(id, "default", app, labels, identities.GetOrAllocate(labels)));
        }
        return (endpoints, identities);
    }
}
