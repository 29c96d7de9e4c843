namespace CiliumL7.Client.Models;

/// <summary>The answer to <c>fqdn cache clean</c>.</summary>
public sealed record FqdnCleanResult
{
    /// <summary>Entries (endpoint, name, address) removed.</summary>
    public required int Removed { get; init; }
}
