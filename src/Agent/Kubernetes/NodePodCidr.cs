using System.Net;
using CiliumL7.Agent.Configuration;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.Kubernetes;

/// <summary>
/// <c>--ipam kubernetes</c>: this node's pod CIDR is its Node object's <c>spec.podCIDR</c>
/// (assigned by the controller manager). Read once at start, before any address is handed
/// out; the agent waits (bounded) for the Node or its CIDR to appear.
/// </summary>
internal static partial class NodePodCidr
{
    public static async Task<string> ReadAsync(IKubernetes client, string nodeName, ILogger logger, TimeSpan wait, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + wait;
        string last = "";
        while (true)
        {
            try
            {
                var node = await client.CoreV1.ReadNodeAsync(nodeName, cancellationToken: ct).ConfigureAwait(false);
                var cidr = node.Spec?.PodCIDRs?.FirstOrDefault(IsIpv4) ?? (IsIpv4(node.Spec?.PodCIDR) ? node.Spec!.PodCIDR : null);
                if (cidr is not null)
                {
                    Log.PodCidr(logger, nodeName, cidr);
                    return cidr;
                }
                last = $"node {nodeName} has no IPv4 spec.podCIDR yet";
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                last = $"node {nodeName} is not known to the API server (is --node-name the Kubernetes node name?)";
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException)
            {
                last = "the API server did not answer: " + e.Message;
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new AgentConfigurationException($"--ipam kubernetes: {last} after {wait.TotalSeconds:0} s; let the controller manager allocate node CIDRs (--allocate-node-cidrs), or use --ipam cluster-pool with --pod-cidr");
            }
            Log.Waiting(logger, last);
            await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
        }
    }

    private static bool IsIpv4(string? cidr) =>
        cidr is not null && cidr.IndexOf('/', StringComparison.Ordinal) is > 0 and var slash && IPAddress.TryParse(cidr[..slash], out var ip)
        && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;

    private static partial class Log
    {
        [LoggerMessage(EventId = 5130, Level = LogLevel.Information, Message = "Kubernetes: node {Node} pod CIDR {Cidr} (--ipam kubernetes)")]
        public static partial void PodCidr(ILogger logger, string node, string cidr);

        [LoggerMessage(EventId = 5131, Level = LogLevel.Information, Message = "Kubernetes: waiting for this node's pod CIDR: {Reason}")]
        public static partial void Waiting(ILogger logger, string reason);
    }
}
