namespace CiliumL7.Agent.Services;

/// <summary>A pod network namespace the manager serves.</summary>
/// <param name="HostsName">Its <c>ip netns</c> name (hosts file), or null for paths ip netns cannot enter.</param>
/// <param name="PodNamespace">The pod's Kubernetes namespace, or null.</param>
/// <param name="Cookie">Its netns cookie (0 = unknown: not served by sock-lb).</param>
internal readonly record struct PodNetns(string? HostsName, string? PodNamespace, ulong Cookie);
