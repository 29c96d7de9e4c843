namespace CiliumL7.Datapath.Services;

/// <summary>L4 protocol of a service frontend (IANA protocol numbers, as in the map keys).</summary>
public enum LbProtocol : byte
{
    /// <summary>TCP (6).</summary>
    Tcp = 6,

    /// <summary>UDP (17).</summary>
    Udp = 17,
}
