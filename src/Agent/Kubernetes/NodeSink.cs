using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using CiliumL7.Agent.Node;
using CiliumL7.Client.Models;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.Kubernetes;

/// <summary>
/// Kubernetes mode without a kvstore: the Node objects are the node list, and every other node's
/// IPv4 pod CIDRs (<c>spec.podCIDRs</c>, else <c>spec.podCIDR</c>) are routed via its InternalIP
/// (<c>status.addresses</c>), as the kvstore node registry does in cluster mode. The routes carry
/// their own protocol number (<see cref="RouteProtocol"/>), so a relist also removes routes of
/// nodes deleted while the agent was down, and never touches anyone else's routes. This node's
/// own object is listed, not routed.
/// </summary>
internal sealed partial class NodeSink(string ownNode, ILogger logger, Func<string[], (int ExitCode, string Stdout, string Stderr)>? ip = null) : IResourceSink
{
    /// <summary>The <c>proto</c> of the routes this sink installs (<c>ip route show proto 198</c>).</summary>
    public const string RouteProtocol = "198";

    private readonly Func<string[], (int ExitCode, string Stdout, string Stderr)> _ip = ip ?? (args => CommandRunner.Run("ip", args));
    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, KubeNode> _nodes = new(StringComparer.Ordinal);

    /// <summary>Every Node the API server has, this one marked local (and added from <paramref name="self"/> when the API server has not got it).</summary>
    public List<NodeModel> Nodes(NodeModel self)
    {
        lock (_lock)
        {
            var list = _nodes.Values.Select(n => n.Name == ownNode
                ? self with { Ipv4 = n.InternalIp?.ToString() ?? self.Ipv4 }
                : new NodeModel { Name = n.Name, Ipv4 = n.InternalIp?.ToString(), PodCidr = n.PodCidrs.Count > 0 ? string.Join(",", n.PodCidrs) : null }).ToList();
            if (!_nodes.ContainsKey(ownNode))
            {
                list.Add(self);
            }
            return [.. list.OrderBy(n => n.Name, StringComparer.Ordinal)];
        }
    }

    public void Upsert(JsonObject obj, string ns, string name)
    {
        var node = Parse(obj, name);
        lock (_lock)
        {
            _nodes.TryGetValue(name, out var old);
            _nodes[name] = node;
            if (name != ownNode)
            {
                Route(old, node);
            }
        }
    }

    public void Delete(string ns, string name)
    {
        lock (_lock)
        {
            if (!_nodes.Remove(name, out var old))
            {
                return;
            }
            if (name != ownNode)
            {
                Route(old, null);
                Log.Left(logger, name);
            }
        }
    }

    public void Reconcile(IReadOnlySet<(string Namespace, string Name)> present)
    {
        lock (_lock)
        {
            foreach (var gone in _nodes.Keys.Where(n => !present.Contains(("", n))).ToList())
            {
                _nodes.Remove(gone, out var old);
                if (gone != ownNode)
                {
                    Route(old, null);
                    Log.Left(logger, gone);
                }
            }
            // Routes of ours whose node is gone (deleted while the agent was down).
            var wanted = _nodes.Values.Where(n => n.Name != ownNode && n.InternalIp is not null).SelectMany(n => n.PodCidrs).ToHashSet(StringComparer.Ordinal);
            var (code, stdout, _) = _ip(["-4", "route", "show", "proto", RouteProtocol]);
            if (code == 0)
            {
                foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    var cidr = line.Split(' ')[0];
                    if (!wanted.Contains(cidr))
                    {
                        _ip(["route", "del", cidr, "proto", RouteProtocol]);
                        Log.StaleRoute(logger, cidr);
                    }
                }
            }
        }
    }

    /// <summary>Removes the old node's routes that the new one does not keep, then installs the new ones (under the lock).</summary>
    private void Route(KubeNode? old, KubeNode? current)
    {
        if (old?.InternalIp is { } oldVia)
        {
            foreach (var cidr in old.PodCidrs)
            {
                if (current?.InternalIp is null || !current.InternalIp.Equals(oldVia) || !current.PodCidrs.Contains(cidr))
                {
                    _ip(["route", "del", cidr, "via", oldVia.ToString(), "proto", RouteProtocol]);
                }
            }
        }
        if (current is null || (old is not null && old.SameRoutes(current)))
        {
            return;
        }
        if (current.InternalIp is not { } via || current.PodCidrs.Count == 0)
        {
            Log.NotRouted(logger, current.Name, current.InternalIp is null ? "no IPv4 InternalIP in status.addresses" : "no IPv4 spec.podCIDR(s)");
            return;
        }
        foreach (var cidr in current.PodCidrs)
        {
            var (code, _, stderr) = _ip(["route", "replace", cidr, "via", via.ToString(), "proto", RouteProtocol]);
            if (code != 0)
            {
                Log.RouteFailed(logger, current.Name, cidr, via.ToString(), stderr);
            }
        }
        var viaText = via.ToString();
        var cidrsText = string.Join(",", current.PodCidrs);
        Log.Joined(logger, current.Name, viaText, cidrsText);
    }

    private static KubeNode Parse(JsonObject obj, string name)
    {
        var cidrs = new List<string>();
        foreach (var c in obj["spec"]?["podCIDRs"]?.AsArray() ?? [])
        {
            AddIpv4Cidr(cidrs, c?.GetValue<string>());
        }
        if (cidrs.Count == 0)
        {
            AddIpv4Cidr(cidrs, obj["spec"]?["podCIDR"]?.GetValue<string>());
        }
        IPAddress? internalIp = null;
        foreach (var a in obj["status"]?["addresses"]?.AsArray() ?? [])
        {
            if (a?["type"]?.GetValue<string>() == "InternalIP" && IPAddress.TryParse(a["address"]?.GetValue<string>(), out var address)
                && address.AddressFamily == AddressFamily.InterNetwork)
            {
                internalIp = address;
                break;
            }
        }
        return new KubeNode(name, internalIp, cidrs);
    }

    private static void AddIpv4Cidr(List<string> cidrs, string? cidr)
    {
        if (IPNetwork.TryParse(cidr, out var network) && network.BaseAddress.AddressFamily == AddressFamily.InterNetwork && !cidrs.Contains(network.ToString()))
        {
            cidrs.Add(network.ToString());
        }
    }

    private sealed record KubeNode(string Name, IPAddress? InternalIp, List<string> PodCidrs)
    {
        public bool SameRoutes(KubeNode other) => Equals(InternalIp, other.InternalIp) && PodCidrs.SequenceEqual(other.PodCidrs);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5140, Level = LogLevel.Information, Message = "Kubernetes: node {Node} at {Ip}: routing its pod CIDR(s) {Cidrs}")]
        public static partial void Joined(ILogger logger, string node, string ip, string cidrs);

        [LoggerMessage(EventId = 5141, Level = LogLevel.Information, Message = "Kubernetes: node {Node} deleted: its routes removed")]
        public static partial void Left(ILogger logger, string node);

        [LoggerMessage(EventId = 5142, Level = LogLevel.Warning, Message = "Kubernetes: node {Node}: route to {Cidr} via {Via} failed: {Error}")]
        public static partial void RouteFailed(ILogger logger, string node, string cidr, string via, string error);

        [LoggerMessage(EventId = 5143, Level = LogLevel.Information, Message = "Kubernetes: node {Node} is not routed yet: {Reason}")]
        public static partial void NotRouted(ILogger logger, string node, string reason);

        [LoggerMessage(EventId = 5144, Level = LogLevel.Information, Message = "Kubernetes: removed the route to {Cidr} (its node is gone)")]
        public static partial void StaleRoute(ILogger logger, string cidr);
    }
}
