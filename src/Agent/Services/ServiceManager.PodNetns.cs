using System.Net;
using CiliumL7.Agent.Logging;
using CiliumL7.Datapath.Services;

namespace CiliumL7.Agent.Services;

// ServiceManager, part 3: pod network namespaces (sock-lb scope by netns cookie, hosts files).
public sealed partial class ServiceManager
{
    /// <summary>
    /// Registers a pod network namespace: sock-lb starts translating its
    /// sockets (by netns cookie) and, when it is a named netns, its hosts file
    /// is written.
    /// </summary>
    /// <param name="netns">CNI netns path (<c>/var/run/netns/NAME</c>, <c>/proc/PID/ns/net</c>) or a bare ip-netns name.</param>
    /// <param name="podNamespace">The pod's Kubernetes namespace (short service names resolve only within it), or null.</param>
    public void AddPodNetns(string netns, string? podNamespace = null)
    {
        var path = NetnsPath(netns);
        var entry = new PodNetns(HostsFileWriter.NetnsName(path), podNamespace, CookieOf(path));
        lock (_lock)
        {
            _podNetns[path] = entry;
            Serve(entry);
            if (entry.HostsName is { } name)
            {
                WriteHostsFile(name, podNamespace);
            }
            Persist();
        }
    }

    /// <summary>Forgets a pod network namespace: no more translation for it, hosts file removed. Idempotent.</summary>
    public void RemovePodNetns(string netns)
    {
        var path = NetnsPath(netns);
        lock (_lock)
        {
            if (!_podNetns.Remove(path, out var entry))
            {
                return;
            }
            Persist();
            if (entry.Cookie != 0)
            {
                try
                {
                    _maps?.UnserveNetns(entry.Cookie);
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException)
                {
                    Log.MapWriteFailed(_logger, "(netns " + path + ")", e);
                }
            }
            try
            {
                if (entry.HostsName is { } name)
                {
                    _hosts?.Remove(name);
                }
            }
            catch (IOException e)
            {
                Log.HostsWriteFailed(_logger, path, e);
            }
        }
    }

    /// <summary>Removes every hosts file this manager wrote (agent cleanup).</summary>
    public void RemoveAllHostsFiles()
    {
        lock (_lock)
        {
            foreach (var entry in _podNetns.Values)
            {
                if (entry.HostsName is { } name)
                {
                    _hosts?.Remove(name);
                }
            }
            _podNetns.Clear();
            Persist();
        }
    }

    /// <summary>A bare name means <c>/var/run/netns/NAME</c>.</summary>
    internal static string NetnsPath(string netns) =>
        netns.Contains('/', StringComparison.Ordinal) ? netns : "/var/run/netns/" + netns;

    private ulong CookieOf(string path)
    {
        if (_maps is null)
        {
            return 0;
        }
        try
        {
            return NetnsCookie.Of(path);
        }
        catch (IOException e)
        {
            Log.NetnsUnknown(_logger, path, e);
            return 0;
        }
    }

    private void Serve(PodNetns entry)
    {
        if (entry.Cookie == 0 || _maps is null)
        {
            return;
        }
        try
        {
            _maps.ServeNetns(entry.Cookie);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            Log.MapWriteFailed(_logger, "(netns cookie " + entry.Cookie + ")", e);
        }
    }

    private void WriteAllHostsFiles()
    {
        foreach (var entry in _podNetns.Values)
        {
            if (entry.HostsName is { } name)
            {
                WriteHostsFile(name, entry.PodNamespace);
            }
        }
    }

    private void WriteHostsFile(string netns, string? podNamespace)
    {
        if (_hosts is null)
        {
            return;
        }
        var services = new List<(string, string, IPAddress)>(_services.Count);
        foreach (var entry in _services.Values)
        {
            services.Add((entry.Spec.Name, entry.Spec.Namespace, entry.Vip));
        }
        try
        {
            _hosts.Write(netns, podNamespace, services);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.HostsWriteFailed(_logger, netns, e);
        }
    }
}
