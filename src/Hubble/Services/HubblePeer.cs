namespace CiliumL7.Hubble.Services;

/// <summary>A node as the Peer service announces it: its name and its Observer address (ADDR:PORT).</summary>
public sealed record HubblePeer(string Name, string Address);
