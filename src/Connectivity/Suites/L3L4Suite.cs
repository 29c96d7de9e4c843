using CiliumL7.Connectivity.Model;
using static CiliumL7.Connectivity.Model.Expect;

namespace CiliumL7.Connectivity.Suites;

/// <summary>L3/L4 allow rules by labels and ports, and default deny (a SYN dropped in eBPF: curl exit 28).</summary>
internal sealed class L3L4Suite : ITestSuite
{
    public IEnumerable<ConnectivityTest> Tests =>
    [
        new("allow-all-except-world",
        [
            Cnp.Of("allow-all-except-world", """
              endpointSelector: {}
              ingress:
              - fromEntities: [cluster]
              egress:
              - toEntities: [cluster]
            """),
        ],
        [
            TestAction.Http("pod-to-pod", Peer.Client, Peer.Echo, AllowedByPolicy),
            TestAction.Http("pod-to-service", Peer.Client, Peer.EchoService, AllowedByPolicy),
            TestAction.Http("pod-to-world", Peer.Client, Peer.World, DroppedDefaultDeny),
        ]),
        new("client-ingress",
        [
            Cnp.Of("client-ingress-from-client2", """
              endpointSelector:
                matchLabels: {name: client}
              ingress:
              - fromEndpoints:
                - matchLabels: {other: client}
            """),
        ],
        [
            TestAction.Http("client2-to-client", Peer.Client2, Peer.Client, AllowedByPolicy),
            TestAction.Http("echo-to-client", Peer.Echo, Peer.Client, DroppedDefaultDeny),
        ]),
        new("all-ingress-deny",
        [
            Cnp.Of("all-ingress-deny", """
              endpointSelector: {}
              ingress:
              - {}
            """),
        ],
        [
            TestAction.Http("pod-to-pod", Peer.Client, Peer.Echo, DroppedDefaultDeny),
            TestAction.Http("pod-to-pod-client2", Peer.Echo, Peer.Client2, DroppedDefaultDeny),
            TestAction.Http("pod-to-world", Peer.Client, Peer.World, Allowed),
        ]),
        new("all-egress-deny",
        [
            Cnp.Of("all-egress-deny", """
              endpointSelector: {}
              egress:
              - {}
            """),
        ],
        [
            TestAction.Http("pod-to-pod", Peer.Client, Peer.Echo, DroppedDefaultDeny),
            TestAction.Http("pod-to-service", Peer.Client, Peer.EchoService, DroppedDefaultDeny),
            TestAction.Http("pod-to-world", Peer.Client, Peer.World, DroppedDefaultDeny),
        ]),
        new("cluster-entity",
        [
            Cnp.Of("client-egress-to-cluster", """
              endpointSelector:
                matchLabels: {name: client}
              egress:
              - toEntities: [cluster]
            """),
        ],
        [
            TestAction.Http("pod-to-pod", Peer.Client, Peer.Echo, AllowedByPolicy),
            TestAction.Http("pod-to-service", Peer.Client, Peer.EchoService, AllowedByPolicy),
            TestAction.Http("pod-to-world", Peer.Client, Peer.World, DroppedDefaultDeny),
        ]),
        new("echo-ingress",
        [
            Cnp.Of("echo-ingress-from-clients", """
              endpointSelector:
                matchLabels: {kind: echo}
              ingress:
              - fromEndpoints:
                - matchLabels: {kind: client}
                toPorts:
                - ports: [{port: "8080", protocol: TCP}]
            """),
        ],
        [
            TestAction.Http("pod-to-pod", Peer.Client, Peer.Echo, AllowedByPolicy),
            TestAction.Http("pod-to-pod-client2", Peer.Client2, Peer.Echo, AllowedByPolicy),
            TestAction.Http("pod-to-service", Peer.Client, Peer.EchoService, AllowedByPolicy),
            new("pod-to-pod-other-port", Peer.Client, Peer.Echo, TestPorts.Other, HttpRequestSpec.Get, DroppedDefaultDeny),
        ]),
        new("echo-ingress-port-range",
        [
            Cnp.Of("echo-ingress-port-range", """
              endpointSelector:
                matchLabels: {kind: echo}
              ingress:
              - fromEndpoints:
                - matchLabels: {kind: client}
                toPorts:
                - ports: [{port: "8000", endPort: 8090, protocol: TCP}]
            """),
        ],
        [
            TestAction.Http("pod-to-pod", Peer.Client, Peer.Echo, AllowedByPolicy),
            new("pod-to-pod-outside-range", Peer.Client, Peer.Echo, TestPorts.Other, HttpRequestSpec.Get, DroppedDefaultDeny),
        ]),
        new("client-egress",
        [
            Cnp.Of("client-egress-to-echo", """
              endpointSelector:
                matchLabels: {kind: client}
              egress:
              - toEndpoints:
                - matchLabels: {kind: echo}
                toPorts:
                - ports: [{port: "8080", protocol: TCP}]
            """),
        ],
        [
            TestAction.Http("pod-to-pod", Peer.Client, Peer.Echo, AllowedByPolicy),
            TestAction.Http("pod-to-service", Peer.Client, Peer.EchoService, AllowedByPolicy),
            TestAction.Http("client-to-client2", Peer.Client, Peer.Client2, DroppedDefaultDeny),
            TestAction.Http("pod-to-world", Peer.Client, Peer.World, DroppedDefaultDeny),
        ]),
        new("client-egress-expression",
        [
            Cnp.Of("client-egress-to-echo-expression", """
              endpointSelector:
                matchExpressions:
                - {key: kind, operator: In, values: [client]}
              egress:
              - toEndpoints:
                - matchExpressions:
                  - {key: kind, operator: In, values: [echo]}
                  - {key: name, operator: NotIn, values: [client]}
            """),
        ],
        [
            TestAction.Http("pod-to-pod", Peer.Client, Peer.Echo, AllowedByPolicy),
            TestAction.Http("client2-to-client", Peer.Client2, Peer.Client, DroppedDefaultDeny),
        ]),
        new("client-egress-port",
        [
            Cnp.Of("client-egress-to-echo-other-port", """
              endpointSelector:
                matchLabels: {name: client}
              egress:
              - toEndpoints:
                - matchLabels: {kind: echo}
                toPorts:
                - ports: [{port: "9090", protocol: TCP}]
            """),
        ],
        [
            new("pod-to-pod-allowed-port", Peer.Client, Peer.Echo, TestPorts.Other, HttpRequestSpec.Get, AllowedByPolicy),
            TestAction.Http("pod-to-pod-other-port", Peer.Client, Peer.Echo, DroppedDefaultDeny),
        ]),
    ];
}
