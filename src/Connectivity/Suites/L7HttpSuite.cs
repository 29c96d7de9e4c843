using CiliumL7.Connectivity.Model;
using static CiliumL7.Connectivity.Model.Expect;

namespace CiliumL7.Connectivity.Suites;

/// <summary>L7 HTTP rules in the proxy: allow/deny by method, path, host and header (a deny is a 403: curl --fail exit 22).</summary>
internal sealed class L7HttpSuite : ITestSuite
{
    /// <summary>Clients may only GET /public on the echo pods (reached directly and through the service).</summary>
    private static readonly string EchoIngressGetPublic = Cnp.Of("echo-ingress-l7-http", """
          endpointSelector:
            matchLabels: {kind: echo}
          ingress:
          - fromEndpoints:
            - matchLabels: {kind: client}
            toPorts:
            - ports: [{port: "8080", protocol: TCP}]
              rules:
                http:
                - {method: GET, path: /public}
        """);

    public IEnumerable<ConnectivityTest> Tests =>
    [
        new("echo-ingress-l7",
        [
            EchoIngressGetPublic,
        ],
        [
            TestAction.Call("pod-to-pod-get-public", Peer.Client, Peer.Echo, "GET", "/public", AllowedL7),
            TestAction.Call("pod-to-pod-get-private", Peer.Client, Peer.Echo, "GET", "/private", L7Denied),
            TestAction.Call("pod-to-pod-post-public", Peer.Client2, Peer.Echo, "POST", "/public", L7Denied),
        ]),
        new("echo-ingress-l7-service",
        [
            EchoIngressGetPublic,
        ],
        [
            TestAction.Call("pod-to-service-get-public", Peer.Client, Peer.EchoService, "GET", "/public", AllowedL7),
            TestAction.Call("pod-to-service-get-private", Peer.Client, Peer.EchoService, "GET", "/private", L7Denied),
        ]),
        new("client-egress-l7-method",
        [
            Cnp.Of("client-egress-l7-method", """
              endpointSelector:
                matchLabels: {kind: client}
              egress:
              - toEndpoints:
                - matchLabels: {kind: echo}
                toPorts:
                - ports: [{port: "8080", protocol: TCP}]
                  rules:
                    http:
                    - {method: GET}
            """),
        ],
        [
            TestAction.Call("pod-to-pod-get", Peer.Client, Peer.Echo, "GET", "/", AllowedL7),
            TestAction.Call("pod-to-pod-post", Peer.Client, Peer.Echo, "POST", "/", L7Denied),
            TestAction.Call("pod-to-pod-delete", Peer.Client2, Peer.Echo, "DELETE", "/anything", L7Denied),
        ]),
        new("client-egress-l7",
        [
            Cnp.Of("client-egress-l7-http", """
              endpointSelector:
                matchLabels: {kind: client}
              egress:
              - toEndpoints:
                - matchLabels: {kind: echo}
                toPorts:
                - ports: [{port: "8080", protocol: TCP}]
                  rules:
                    http:
                    - {method: GET, path: "/allowed/.*"}
            """),
        ],
        [
            TestAction.Call("pod-to-pod-allowed-path", Peer.Client, Peer.Echo, "GET", "/allowed/1", AllowedL7),
            TestAction.Call("pod-to-pod-denied-path", Peer.Client, Peer.Echo, "GET", "/denied", L7Denied),
            TestAction.Call("pod-to-service-allowed-path", Peer.Client, Peer.EchoService, "GET", "/allowed/2", AllowedL7),
            TestAction.Http("pod-to-world", Peer.Client, Peer.World, DroppedDefaultDeny),
        ]),
        new("client-egress-l7-host",
        [
            Cnp.Of("client-egress-l7-host", """
              endpointSelector:
                matchLabels: {kind: client}
              egress:
              - toEndpoints:
                - matchLabels: {kind: echo}
                toPorts:
                - ports: [{port: "8080", protocol: TCP}]
                  rules:
                    http:
                    - {host: "echo-allowed\\.example"}
            """),
        ],
        [
            TestAction.Call("pod-to-pod-allowed-host", Peer.Client, Peer.Echo, "GET", "/", AllowedL7, "Host: echo-allowed.example"),
            TestAction.Call("pod-to-pod-other-host", Peer.Client, Peer.Echo, "GET", "/", L7Denied, "Host: echo-other.example"),
        ]),
        new("client-egress-l7-headers",
        [
            Cnp.Of("client-egress-l7-headers", """
              endpointSelector:
                matchLabels: {kind: client}
              egress:
              - toEndpoints:
                - matchLabels: {kind: echo}
                toPorts:
                - ports: [{port: "8080", protocol: TCP}]
                  rules:
                    http:
                    - headers: ["X-Very-Secret-Token: 42"]
            """),
        ],
        [
            TestAction.Call("pod-to-pod-with-header", Peer.Client, Peer.Echo, "GET", "/", AllowedL7, "X-Very-Secret-Token: 42"),
            TestAction.Call("pod-to-pod-wrong-header", Peer.Client, Peer.Echo, "GET", "/", L7Denied, "X-Very-Secret-Token: 41"),
            TestAction.Call("pod-to-pod-without-header", Peer.Client2, Peer.Echo, "GET", "/", L7Denied),
        ]),
        new("echo-ingress-l7-method-path",
        [
            Cnp.Of("echo-ingress-l7-request-landing", """
              endpointSelector:
                matchLabels: {kind: echo}
              ingress:
              - fromEndpoints:
                - matchLabels: {kind: client}
                toPorts:
                - ports: [{port: "8080", protocol: TCP}]
                  rules:
                    http:
                    - {method: POST, path: /v1/request-landing}
            """),
        ],
        [
            TestAction.Call("pod-to-pod-post-request-landing", Peer.Client, Peer.Echo, "POST", "/v1/request-landing", AllowedL7),
            TestAction.Call("pod-to-pod-put-exhaust-port", Peer.Client, Peer.Echo, "PUT", "/v1/exhaust-port", L7Denied),
            TestAction.Call("pod-to-pod-get-request-landing", Peer.Client2, Peer.Echo, "GET", "/v1/request-landing", L7Denied),
        ]),
        new("to-entities-world-l7",
        [
            Cnp.Of("client-egress-to-entities-world-l7", """
              endpointSelector:
                matchLabels: {kind: client}
              egress:
              - toEntities: [world]
                toPorts:
                - ports: [{port: "8080", protocol: TCP}]
                  rules:
                    http:
                    - {method: GET, path: /}
            """),
        ],
        [
            TestAction.Call("pod-to-world-get", Peer.Client, Peer.World, "GET", "/", AllowedL7),
            TestAction.Call("pod-to-world-post", Peer.Client, Peer.World, "POST", "/", L7Denied),
            TestAction.Call("pod-to-world-other-path", Peer.Client2, Peer.World2, "GET", "/private", L7Denied),
        ]),
    ];
}
