namespace CiliumL7.Policy.Resolution;

/// <summary>Key of a compiled L7 rule set: (direction, protocol, port, remote identity; 0 = any peer).</summary>
internal readonly record struct L7Key(TrafficDirection Direction, byte Protocol, ushort Port, uint RemoteIdentity);
