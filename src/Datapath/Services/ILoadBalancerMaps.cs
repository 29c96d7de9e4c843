namespace CiliumL7.Datapath.Services;

/// <summary>
/// Writes services into the socket load balancer's maps. The implementation
/// (<see cref="LoadBalancerMaps"/>) follows the update order documented in
/// bpf/include/abi.h so a concurrent connect() sees the old or the new
/// backend set, never a half-written one.
/// </summary>
public interface ILoadBalancerMaps
{
    /// <summary>Creates or replaces a frontend with exactly these backends (empty = refuse connections).</summary>
    void UpsertService(LbFrontend frontend, ushort revNatIndex, IReadOnlyList<LbBackend> backends);

    /// <summary>Removes a frontend; connects to it pass through untranslated afterwards. No-op when absent.</summary>
    void DeleteService(LbFrontend frontend);

    /// <summary>Every frontend currently in the map with its backends.</summary>
    IReadOnlyList<LbServiceState> ListServices();

    /// <summary>Lets sockets of the network namespace with this cookie be translated (<see cref="NetnsCookie.Any"/> = all).</summary>
    void ServeNetns(ulong cookie);

    /// <summary>Stops translating sockets of that namespace. No-op when absent.</summary>
    void UnserveNetns(ulong cookie);

    /// <summary>Cookies of the served network namespaces.</summary>
    IReadOnlyList<ulong> ServedNetns();

    /// <summary>Re-creates the pins under <paramref name="bpfRoot"/> of these maps removed while in use; returns the names re-pinned.</summary>
    IReadOnlyList<string> RepairPins(string bpfRoot);
}
