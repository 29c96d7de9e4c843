using CiliumL7.Connectivity.Model;
using static CiliumL7.Connectivity.Model.Expect;

namespace CiliumL7.Connectivity.Suites;

/// <summary>Deny rules (ingressDeny/egressDeny): they win over allow rules and drop with reason POLICY_DENY.</summary>
internal sealed class DenySuite : ITestSuite
{
    public IEnumerable<ConnectivityTest> Tests =>
    [
        new("all-entities-deny",
        [
            Cnp.Of("all-entities-deny", """
              endpointSelector: {}
              egressDeny:
              - toEntities: [all]
            """),
        ],
        [
            TestAction.Http("pod-to-pod", Peer.Client, Peer.Echo, DroppedDenyRule),
            TestAction.Http("pod-to-world", Peer.Client, Peer.World, DroppedDenyRule),
        ]),
        new("echo-ingress-from-other-client-deny",
        [
            Cnp.Of("echo-ingress-from-clients", """
              endpointSelector:
                matchLabels: {kind: echo}
              ingress:
              - fromEndpoints:
                - matchLabels: {kind: client}
            """),
            Cnp.Of("echo-ingress-from-other-client-deny", """
              endpointSelector:
                matchLabels: {kind: echo}
              ingressDeny:
              - fromEndpoints:
                - matchLabels: {other: client}
            """),
        ],
        [
            TestAction.Http("pod-to-pod", Peer.Client, Peer.Echo, AllowedByPolicy),
            TestAction.Http("pod-to-pod-client2", Peer.Client2, Peer.Echo, DroppedDenyRule),
        ]),
        new("client-egress-to-echo-deny",
        [
            Cnp.Of("client-egress-to-echo-deny", """
              endpointSelector:
                matchLabels: {name: client}
              egress:
              - toEntities: [all]
              egressDeny:
              - toEndpoints:
                - matchLabels: {kind: echo}
            """),
        ],
        [
            TestAction.Http("pod-to-pod", Peer.Client, Peer.Echo, DroppedDenyRule),
            TestAction.Http("pod-to-service", Peer.Client, Peer.EchoService, DroppedDenyRule),
            TestAction.Http("client-to-client2", Peer.Client, Peer.Client2, AllowedByPolicy),
            TestAction.Http("pod-to-world", Peer.Client, Peer.World, AllowedByPolicy),
        ]),
        new("client-egress-to-cidr-deny",
        [
            Cnp.Of("client-egress-to-cidr-deny", """
              endpointSelector:
                matchLabels: {kind: client}
              egress:
              - toEntities: [all]
              egressDeny:
              - toCIDR: [198.51.100.10/32]
            """),
        ],
        [
            TestAction.Http("pod-to-world", Peer.Client, Peer.World, DroppedDenyRule),
            TestAction.Http("pod-to-world-2", Peer.Client, Peer.World2, AllowedByPolicy),
            TestAction.Http("pod-to-pod", Peer.Client, Peer.Echo, AllowedByPolicy),
        ]),
    ];
}
