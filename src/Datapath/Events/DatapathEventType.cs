namespace CiliumL7.Datapath.Events;

/// <summary>Event types (Cilium monitor numbers, Hubble's CiliumEventType.type).</summary>
public enum DatapathEventType : byte
{
    /// <summary>A dropped packet.</summary>
    Drop = 1,

    /// <summary>A trace.</summary>
    Trace = 4,

    /// <summary>The policy verdict of a new connection that was allowed or redirected.</summary>
    PolicyVerdict = 5,
}
