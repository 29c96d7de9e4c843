using CiliumL7.Agent.Configuration;
using CiliumL7.Agent.Node;
using CiliumL7.Agent.State;

namespace CiliumL7.Agent;

/// <summary>
/// <c>ciliuml7-agent cleanup</c>: removes every link, program, pin, rule, route
/// and file the agent (and its CNI plugin) created for this state dir / bpf root.
/// Run it with the agent stopped. Idempotent.
/// </summary>
internal static class AgentCleanup
{
    private static readonly string[] StateFiles =
    [
        "endpoints.json", "ipam.json", "identities.json", "policies.json", "redirects.json", "agent.sock", "hubble.sock", "kvstore-lease",
    ];

    public static int Run(AgentOptions options, TextWriter output)
    {
        // 0. Kvstore mode (--kvstore-opt etcd.address=… given): the node leaves the cluster —
        //    revoking its lease deletes its registration, ipcache entries and identity references.
        if (options.KvStoreAddress is { } etcd)
        {
            try
            {
                var revoked = KvStore.KvStoreSync.RevokeAsync(options.KvStoreAddresses, options.StateDir).GetAwaiter().GetResult();
                output.WriteLine(revoked ? $"left the cluster: revoked the node's lease in etcd {etcd}" : "no kvstore lease to revoke");
            }
            catch (KvStore.KvStoreUnavailableException e)
            {
                output.WriteLine($"could not revoke the node's lease ({e.Message}); its keys expire with the lease TTL");
            }
        }

        // 1. Endpoint veths: deleting the host side removes the pod side and the tc programs on it.
        var endpoints = StateFile.Read(Path.Combine(options.StateDir, "endpoints.json"), AgentStateJsonContext.Default.ListEndpointModel) ?? [];
        foreach (var endpoint in endpoints)
        {
            var (code, _, _) = CommandRunner.Run("ip", "link", "del", endpoint.HostInterface);
            output.WriteLine(code == 0 ? $"removed link {endpoint.HostInterface} ({endpoint.Namespace}/{endpoint.Name})" : $"link {endpoint.HostInterface} already gone");
        }

        // 2. Proxy policy routing.
        NodeNetwork.Teardown(options.StateDir, options.Procfs);
        output.WriteLine($"removed ip rules fwmark {NodeNetwork.ProxyMark} and routing table {NodeNetwork.ProxyTable}; restored forwarding sysctls");

        // 3. Services: socket LB links and maps, pods' hosts files, services.json.
        try
        {
            foreach (var removed in Services.ServiceSubsystem.Cleanup(options.BpfRoot, options.StateDir))
            {
                output.WriteLine($"removed {removed}");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException)
        {
            output.WriteLine($"services cleanup incomplete: {e.Message}");
        }

        // 4. Pinned programs and maps.
        if (Directory.Exists(options.BpfRoot))
        {
            Directory.Delete(options.BpfRoot, recursive: true);
            output.WriteLine($"removed bpffs pins under {options.BpfRoot}");
        }

        // 5. State files (and the directory, when nothing else lives there).
        foreach (var name in StateFiles)
        {
            var path = Path.Combine(options.StateDir, name);
            if (File.Exists(path))
            {
                File.Delete(path);
            }
        }
        if (Directory.Exists(options.StateDir))
        {
            foreach (var temp in Directory.EnumerateFiles(options.StateDir, ".*.tmp"))
            {
                File.Delete(temp);
            }
            if (!Directory.EnumerateFileSystemEntries(options.StateDir).Any())
            {
                Directory.Delete(options.StateDir);
            }
        }
        output.WriteLine($"removed agent state in {options.StateDir}");
        return 0;
    }
}
