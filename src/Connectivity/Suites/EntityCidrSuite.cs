using CiliumL7.Connectivity.Model;
using static CiliumL7.Connectivity.Model.Expect;

namespace CiliumL7.Connectivity.Suites;

/// <summary>Entities (world) and CIDR rules towards the world host (198.51.100.10 and .11).</summary>
internal sealed class EntityCidrSuite : ITestSuite
{
    public IEnumerable<ConnectivityTest> Tests =>
    [
        new("to-entities-world",
        [
            Cnp.Of("client-egress-to-entities-world", """
              endpointSelector:
                matchLabels: {kind: client}
              egress:
              - toEntities: [world]
                toPorts:
                - ports: [{port: "8080", protocol: TCP}]
            """),
        ],
        [
            TestAction.Http("pod-to-world", Peer.Client, Peer.World, AllowedByPolicy),
            TestAction.Http("pod-to-world-2", Peer.Client2, Peer.World2, AllowedByPolicy),
            TestAction.Http("pod-to-pod", Peer.Client, Peer.Echo, DroppedDefaultDeny),
        ]),
        new("to-cidr-external",
        [
            Cnp.Of("client-egress-to-cidr", """
              endpointSelector:
                matchLabels: {kind: client}
              egress:
              - toCIDR: [198.51.100.10/32]
            """),
        ],
        [
            TestAction.Http("pod-to-cidr", Peer.Client, Peer.World, AllowedByPolicy),
            TestAction.Http("pod-to-cidr-other", Peer.Client, Peer.World2, DroppedDefaultDeny),
            TestAction.Http("pod-to-pod", Peer.Client, Peer.Echo, DroppedDefaultDeny),
        ]),
        new("to-cidrset-except",
        [
            Cnp.Of("client-egress-to-cidrset-except", """
              endpointSelector:
                matchLabels: {kind: client}
              egress:
              - toCIDRSet:
                - cidr: 198.51.100.0/24
                  except: [198.51.100.11/32]
            """),
        ],
        [
            TestAction.Http("pod-to-cidr", Peer.Client, Peer.World, AllowedByPolicy),
            TestAction.Http("pod-to-cidr-except", Peer.Client, Peer.World2, DroppedDefaultDeny),
        ]),
        new("from-entities-host",
        [
            Cnp.Of("echo-ingress-from-entities-host", """
              endpointSelector:
                matchLabels: {kind: echo}
              ingress:
              - fromEntities: [host]
                toPorts:
                - ports: [{port: "8080", protocol: TCP}]
            """),
        ],
        [
            TestAction.Http("host-to-pod", Peer.Host, Peer.Echo, AllowedByPolicy),
            TestAction.Http("pod-to-pod", Peer.Client, Peer.Echo, DroppedDefaultDeny),
        ]),
        new("from-entities-world-not-host",
        [
            Cnp.Of("echo-ingress-from-entities-world", """
              endpointSelector:
                matchLabels: {kind: echo}
              ingress:
              - fromEntities: [world]
                toPorts:
                - ports: [{port: "8080", protocol: TCP}]
            """),
        ],
        [
            TestAction.Http("host-to-pod", Peer.Host, Peer.Echo, DroppedDefaultDeny),
        ]),
    ];
}
