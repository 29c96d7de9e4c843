namespace CiliumL7.Proxy.Tests.Support;

/// <summary>One request as the raw backend received it.</summary>
public sealed record RecordedRequest(string Method, string Target, string Version, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    /// <summary>The connection ended before the declared body did (a server would reject such a request).</summary>
    public bool Truncated { get; init; }

    public string? Header(string name)
    {
        foreach (var h in Headers)
        {
            if (string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return h.Value;
            }
        }
        return null;
    }
}
