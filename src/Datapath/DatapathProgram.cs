namespace CiliumL7.Datapath;

/// <summary>The two programs of an endpoint.</summary>
public enum DatapathProgram
{
    /// <summary>tc ingress of the host-side veth: packets leaving the pod.</summary>
    FromContainer,

    /// <summary>tc egress of the host-side veth: packets entering the pod.</summary>
    ToContainer,
}
