namespace CiliumL7.Agent.State;

/// <summary>A proxy port assignment (endpoint, direction, port) → listener port, kept stable across restarts.</summary>
internal sealed record PersistedRedirect(int EndpointId, string Direction, int Port, int Protocol, int ProxyPort);
