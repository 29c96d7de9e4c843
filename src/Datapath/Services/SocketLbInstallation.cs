namespace CiliumL7.Datapath.Services;

/// <summary>What <see cref="SocketLbLoader.Install"/> did.</summary>
/// <param name="BpfRoot">bpffs directory holding the map and link pins.</param>
/// <param name="CgroupPath">cgroup v2 directory the programs are attached to.</param>
/// <param name="Hooks">Attached hooks, e.g. <c>connect4</c>, <c>getpeername6</c>.</param>
/// <param name="Upgraded">True when existing pinned links were switched to the new programs in place.</param>
public sealed record SocketLbInstallation(string BpfRoot, string CgroupPath, IReadOnlyList<string> Hooks, bool Upgraded);
