namespace CiliumL7.Agent.Fqdn;

/// <summary>DNS names as the cache keys them: lower-case, with the trailing dot.</summary>
internal static class FqdnName
{
    /// <summary>The longest name DNS allows (RFC 1035), with its trailing dot.</summary>
    public const int MaxLength = 254;

    /// <summary>The normalized name, or null when it is empty, too long or has characters no DNS name has.</summary>
    public static string? Normalize(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength)
        {
            return null;
        }
        foreach (var c in name)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_' or '.' or '*'))
            {
                return null;
            }
        }
        var n = name.ToLowerInvariant();
        n = n.EndsWith('.') ? n : n + ".";
        return n.Length > MaxLength || n == "." ? null : n;
    }
}
