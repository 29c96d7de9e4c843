namespace CiliumL7.Hubble.Ring;

/// <summary>Outcome of reading one sequence number from the ring.</summary>
internal enum RingReadStatus
{
    /// <summary>The flow is there.</summary>
    Ok,

    /// <summary>Not published (or not finished publishing) yet.</summary>
    NotYet,

    /// <summary>The ring lapped the reader: the flow is gone.</summary>
    Overwritten,
}
