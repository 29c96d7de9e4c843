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

    /// <summary>Let through by audit mode: only audited policies would have dropped it.</summary>
    Audit = 4,

    /// <summary>Redirected to the proxy.</summary>
    Redirected = 5,
}
