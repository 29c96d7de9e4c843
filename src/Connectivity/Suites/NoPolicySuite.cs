using CiliumL7.Connectivity.Model;
using static CiliumL7.Connectivity.Model.Expect;

namespace CiliumL7.Connectivity.Suites;

/// <summary>Connectivity without policy: every path works and nothing is dropped.</summary>
internal sealed class NoPolicySuite : ITestSuite
{
    public IEnumerable<ConnectivityTest> Tests =>
    [
        new("no-policies", [],
        [
            TestAction.Http("pod-to-pod", Peer.Client, Peer.Echo, Allowed),
            TestAction.Http("pod-to-pod-client2", Peer.Client2, Peer.Echo, Allowed),
            TestAction.Http("pod-to-service", Peer.Client, Peer.EchoService, Allowed),
            TestAction.Http("pod-to-world", Peer.Client, Peer.World, Allowed),
            TestAction.Http("host-to-pod", Peer.Host, Peer.Echo, Allowed),
            new("pod-to-pod-other-port", Peer.Client, Peer.Echo, TestPorts.Other, HttpRequestSpec.Get, Allowed),
        ]),
        new("allow-all",
        [
            Cnp.Of("allow-all", """
              endpointSelector: {}
              ingress:
              - fromEntities: [all]
              egress:
              - toEntities: [all]
            """),
        ],
        [
            TestAction.Http("pod-to-pod", Peer.Client, Peer.Echo, AllowedByPolicy),
            TestAction.Http("pod-to-service", Peer.Client, Peer.EchoService, AllowedByPolicy),
            TestAction.Http("pod-to-world", Peer.Client, Peer.World, AllowedByPolicy),
            TestAction.Http("host-to-pod", Peer.Host, Peer.Echo, AllowedByPolicy),
        ]),
        new("pod-to-pod-other-node", [],
        [
            TestAction.Http("pod-to-pod-other-node", Peer.Client, Peer.EchoOtherNode, Allowed),
        ]) { NeedsOtherNode = true },
    ];
}
