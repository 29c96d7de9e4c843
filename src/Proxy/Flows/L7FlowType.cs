namespace CiliumL7.Proxy.Flows;

/// <summary>Hubble's <c>L7FlowType</c>.</summary>
public enum L7FlowType
{
    /// <summary>A request seen by the proxy.</summary>
    Request = 1,

    /// <summary>The response to a request (also for a proxy-generated 403/400/502/504).</summary>
    Response = 2,
}
