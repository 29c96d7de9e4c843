namespace CiliumL7.Agent.KvStore;

/// <summary>One address of a <see cref="NodeRecord"/> (<c>{"Type":"InternalIP","IP":"172.31.0.1"}</c>).</summary>
internal sealed record NodeAddressRecord(string Type, string IP);
