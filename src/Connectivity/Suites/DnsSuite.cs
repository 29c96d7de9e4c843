using CiliumL7.Connectivity.Deployment;
using CiliumL7.Connectivity.Model;
using static CiliumL7.Connectivity.Model.Expect;

namespace CiliumL7.Connectivity.Suites;

/// <summary>
/// DNS rules and toFQDNs against the world's DNS server (dnsmasq at 198.51.100.53, answering
/// <c>world.connectivity.ciliuml7.test</c> → 198.51.100.10 and <c>world2.…</c> → 198.51.100.11).
/// The names a test's queries taught the agent are forgotten after it (see the runner).
/// </summary>
internal sealed class DnsSuite : ITestSuite
{
    public IEnumerable<ConnectivityTest> Tests =>
    [
        new("dns-only",
        [
            Cnp.Of("client-egress-only-dns", $$"""
              endpointSelector:
                matchLabels: {kind: client}
              egress:
              - toCIDR: [{{WorldHost.DnsIp}}/32]
                toPorts:
                - ports: [{port: "53", protocol: ANY}]
                  rules:
                    dns:
                    - matchName: {{WorldHost.Name}}
            """),
        ],
        [
            TestAction.Dig("dns-allowed-name", Peer.Client, WorldHost.Name, DnsAnswered),
            TestAction.Dig("dns-denied-name", Peer.Client, WorldHost.Name2, DnsRefused),
            TestAction.Http("pod-to-world", Peer.Client, Peer.World, DroppedDefaultDeny),
        ]),
        new("to-fqdns",
        [
            Cnp.Of("client-egress-to-fqdns", $$"""
              endpointSelector:
                matchLabels: {kind: client}
              egress:
              - toCIDR: [{{WorldHost.DnsIp}}/32]
                toPorts:
                - ports: [{port: "53", protocol: ANY}]
                  rules:
                    dns:
                    - matchPattern: "*"
              - toFQDNs:
                - matchName: {{WorldHost.Name}}
                toPorts:
                - ports: [{port: "8080", protocol: TCP}]
            """),
        ],
        [
            TestAction.Http("pod-to-world-before-resolving", Peer.Client, Peer.World, DroppedDefaultDeny),
            TestAction.Dig("resolve-listed-name", Peer.Client, WorldHost.Name, DnsAnswered),
            TestAction.Http("pod-to-world-after-resolving", Peer.Client, Peer.World, AllowedByPolicy),
            TestAction.Dig("resolve-unlisted-name", Peer.Client, WorldHost.Name2, DnsAnswered),
            TestAction.Http("pod-to-unlisted-name-address", Peer.Client, Peer.World2, DroppedDefaultDeny),
        ]),
        new("client-egress-l7-fqdn",
        [
            Cnp.Of("client-egress-l7-http-fqdn", $$"""
              endpointSelector:
                matchLabels: {kind: client}
              egress:
              - toCIDR: [{{WorldHost.DnsIp}}/32]
                toPorts:
                - ports: [{port: "53", protocol: ANY}]
                  rules:
                    dns:
                    - matchPattern: "*"
              - toFQDNs:
                - matchPattern: "*.{{WorldHost.Domain}}"
                toPorts:
                - ports: [{port: "8080", protocol: TCP}]
                  rules:
                    http:
                    - method: GET
                      path: /
            """),
        ],
        [
            TestAction.Dig("resolve-name", Peer.Client, WorldHost.Name, DnsAnswered),
            TestAction.Http("pod-to-world-l7-allowed", Peer.Client, Peer.World, AllowedL7),
            TestAction.Call("pod-to-world-l7-denied", Peer.Client, Peer.World, "GET", "/private", L7Denied),
        ]),
    ];
}
