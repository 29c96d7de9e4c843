using System.Net;

namespace CiliumL7.Agent.Services;

/// <summary>A service and what was last written for each of its ports.</summary>
internal sealed class ServiceEntry(ServiceSpec spec, int[] ids)
{
    public ServiceSpec Spec { get; } = spec;

    public IPAddress Vip { get; } = spec.Vip!;

    public int[] Ids { get; } = ids;

    /// <summary>Per port: the backends last written to the maps (null = never written).</summary>
    public List<ServiceBackend>?[] Backends { get; } = new List<ServiceBackend>?[ids.Length];

    public int? IdFor(IPAddress vip, ServicePort port)
    {
        if (!vip.Equals(Vip))
        {
            return null;
        }
        for (var i = 0; i < Spec.Ports.Count; i++)
        {
            if (Spec.Ports[i].Port == port.Port && Spec.Ports[i].Protocol == port.Protocol)
            {
                return Ids[i];
            }
        }
        return null;
    }
}
