namespace CiliumL7.Connectivity.Model;

/// <summary>The DNS query an action sends with dig (type A) to the world's DNS server.</summary>
/// <param name="Name">The name asked for.</param>
public sealed record DnsQuerySpec(string Name);
