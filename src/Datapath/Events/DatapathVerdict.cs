namespace CiliumL7.Datapath.Events;

/// <summary>Verdicts with Hubble's numbers.</summary>
public enum DatapathVerdict : byte
{
    /// <summary>Unknown.</summary>
    Unknown = 0,

    /// <summary>Forwarded.</summary>
    Forwarded = 1,

    /// <summary>Dropped.</summary>
    Dropped = 2,

    /// <summary>Redirected to the proxy.</summary>
    Redirected = 5,
}
