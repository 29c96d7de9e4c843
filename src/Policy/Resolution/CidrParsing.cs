using System.Net;

namespace CiliumL7.Policy.Resolution;

/// <summary>CIDR helpers: a bare address is a host prefix (/32, /128).</summary>
public static class CidrParsing
{
    /// <summary>Parses <c>10.0.0.0/8</c> or a bare address; false when malformed or when host bits are set.</summary>
    public static bool TryParse(string text, out IPNetwork prefix)
    {
        text = text.Trim();
        if (!text.Contains('/', StringComparison.Ordinal) && IPAddress.TryParse(text, out var address))
        {
            prefix = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }
        // Host bits must be clear: "10.0.0.1/8" is a typo for 10.0.0.0/8 or 10.0.0.1/32.
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return IPNetwork.TryParse(text, out prefix) && IPAddress.TryParse(text[..slash], out var given) && given.Equals(prefix.BaseAddress);
    }

    /// <summary>True when <paramref name="inner"/> lies inside <paramref name="outer"/>.</summary>
    public static bool Contains(IPNetwork outer, IPNetwork inner) =>
        inner.BaseAddress.AddressFamily == outer.BaseAddress.AddressFamily &&
        inner.PrefixLength >= outer.PrefixLength && outer.Contains(inner.BaseAddress);
}
