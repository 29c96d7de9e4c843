using CiliumL7.Client;
using CiliumL7.Client.Models;

namespace CiliumL7.Cni;

/// <summary>
/// ADD / DEL / CHECK / VERSION. The plugin holds no state: addresses and
/// endpoints live in the agent, reached over its unix socket.
/// </summary>
internal sealed class CniPlugin
{
    private readonly CniEnvironment _env;
    private readonly NetworkConfig? _config;

    public CniPlugin(CniEnvironment env, NetworkConfig? config)
    {
        _env = env;
        _config = config;
    }

    /// <summary>Runs one invocation; returns the exit code, writing the result (or error) JSON to <paramref name="stdout"/>.</summary>
    public static int Run(Func<string, string?> getenv, TextReader stdin, TextWriter stdout)
    {
        var version = "1.0.0";
        try
        {
            var env = CniEnvironment.Parse(getenv);
            if (env.Command == "VERSION")
            {
                stdout.WriteLine(CniJson.Version(version));
                return 0;
            }
            var config = NetworkConfig.Parse(NetworkConfig.ReadBounded(stdin));
            version = config.CniVersion;
            var plugin = new CniPlugin(env, config);
            var output = env.Command switch
            {
                "ADD" => plugin.AddAsync().GetAwaiter().GetResult(),
                "DEL" => plugin.DeleteAsync().GetAwaiter().GetResult(),
                _ => plugin.CheckAsync().GetAwaiter().GetResult(),
            };
            if (output is not null)
            {
                stdout.WriteLine(output);
            }
            return 0;
        }
        catch (CniException e)
        {
            stdout.WriteLine(CniJson.Error(version, e));
            return 1;
        }
        catch (AgentUnavailableException e)
        {
            stdout.WriteLine(CniJson.Error(version, new CniException(CniException.TryAgainLater, "ciliuml7 agent is not running or not reachable", e.Message)));
            return 1;
        }
        catch (AgentTimeoutException e)
        {
            stdout.WriteLine(CniJson.Error(version, new CniException(CniException.TryAgainLater, "ciliuml7 agent did not answer in time", e.Message)));
            return 1;
        }
        catch (AgentException e)
        {
            var details = e.Errors.Count > 0 ? string.Join("; ", e.Errors) : null;
            stdout.WriteLine(CniJson.Error(version, new CniException(CniException.AgentError, "ciliuml7 agent refused the request: " + e.Message, details)));
            return 1;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Anything unforeseen is still the spec's error JSON with a code, never a crash without one.
            stdout.WriteLine(CniJson.Error(version, new CniException(CniException.Internal, "ciliuml7-cni failed unexpectedly: " + e.GetType().Name, e.Message)));
            return 1;
        }
    }

    private NetworkConfig Config => _config!;

    private async Task<string> AddAsync()
    {
        if (!File.Exists(_env.Netns) && !Directory.Exists(_env.Netns))
        {
            throw new CniException(CniException.ContainerUnknown, $"network namespace \"{_env.Netns}\" does not exist", "CNI_NETNS must be the path of the pod's network namespace, e.g. /var/run/netns/NAME");
        }
        using var agent = new AgentClient(Config.AgentSocket);
        var allocation = await agent.AllocateIpAsync(_env.ContainerId).ConfigureAwait(false);
        try
        {
            var (ifindex, hostMac, podMac) = PodNetwork.Add(_env.ContainerId, _env.Netns, _env.IfName, allocation.Ipv4, allocation.Gateway, Config.Mtu);
            var hostIf = PodNetwork.HostInterfaceName(_env.ContainerId);
            try
            {
                await agent.CreateEndpointAsync(new EndpointCreateRequest
                {
                    ContainerId = _env.ContainerId,
                    Name = _env.PodName ?? _env.ContainerId[..Math.Min(12, _env.ContainerId.Length)],
                    Namespace = _env.PodNamespace ?? "default",
                    Labels = Config.Labels,
                    Ipv4 = allocation.Ipv4,
                    HostInterface = hostIf,
                    Ifindex = ifindex,
                    HostMac = hostMac,
                    PodMac = podMac,
                    Netns = _env.Netns,
                    PodInterface = _env.IfName,
                }).ConfigureAwait(false);
            }
            catch
            {
                PodNetwork.Delete(_env.ContainerId);
                throw;
            }
            return CniJson.AddResult(Config.CniVersion, hostIf, hostMac, _env.IfName, podMac, _env.Netns, allocation.Ipv4, allocation.Gateway);
        }
        catch
        {
            await TryReleaseAsync(agent, allocation.Ipv4).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<string?> DeleteAsync()
    {
        // Links first: even with the agent down, the pod's wiring goes away; the agent part is idempotent.
        PodNetwork.Delete(_env.ContainerId);
        using var agent = new AgentClient(Config.AgentSocket);
        var endpoint = await agent.GetEndpointAsync("container-id:" + _env.ContainerId).ConfigureAwait(false);
        await agent.DeleteEndpointAsync("container-id:" + _env.ContainerId).ConfigureAwait(false);
        var ipam = await agent.GetIpamAsync().ConfigureAwait(false);
        foreach (var allocation in ipam.Allocations)
        {
            if (allocation.Owner == _env.ContainerId && allocation.Ipv4 != endpoint?.Ipv4)
            {
                await agent.ReleaseIpAsync(allocation.Ipv4).ConfigureAwait(false);
            }
        }
        return null;
    }

    private async Task<string?> CheckAsync()
    {
        using var agent = new AgentClient(Config.AgentSocket);
        var endpoint = await agent.GetEndpointAsync("container-id:" + _env.ContainerId).ConfigureAwait(false)
            ?? throw new CniException(CniException.CheckFailed, $"the agent has no endpoint for container {_env.ContainerId}");
        var host = PodNetwork.HostInterfaceName(_env.ContainerId);
        if (!IpCommand.LinkExists(null, host))
        {
            throw new CniException(CniException.CheckFailed, $"host interface {host} of endpoint {endpoint.Id} is missing");
        }
        if (!IpCommand.LinkExists(_env.Netns, _env.IfName))
        {
            throw new CniException(CniException.CheckFailed, $"interface {_env.IfName} is missing in {_env.Netns}");
        }
        if (!IpCommand.Addresses(_env.Netns, _env.IfName).Contains(endpoint.Ipv4 + "/32"))
        {
            throw new CniException(CniException.CheckFailed, $"{_env.IfName} in {_env.Netns} does not carry {endpoint.Ipv4}/32");
        }
        return null;
    }

    private static async Task TryReleaseAsync(AgentClient agent, string ip)
    {
        try
        {
            await agent.ReleaseIpAsync(ip).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AgentException or AgentUnavailableException or AgentTimeoutException)
        {
            // best effort: the original error is what the runtime needs to see
        }
    }
}
