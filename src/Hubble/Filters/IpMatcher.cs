using System.Net;

namespace CiliumL7.Hubble.Filters;

/// <summary>An exact address ("10.244.0.5") or a prefix ("10.244.0.0/16").</summary>
internal readonly struct IpMatcher
{
    private readonly IPNetwork _network;

    private IpMatcher(IPNetwork network) => _network = network;

    public static IpMatcher Parse(string value)
    {
        if (value.Contains('/', StringComparison.Ordinal))
        {
            if (!IPNetwork.TryParse(value, out var network))
            {
                throw new FormatException("not an IP prefix (want e.g. 10.244.0.0/16); host bits must be zero");
            }
            return new IpMatcher(network);
        }
        if (!IPAddress.TryParse(value, out var address))
        {
            throw new FormatException("not an IP address or prefix");
        }
        return new IpMatcher(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
    }

    public bool Matches(IPAddress address) => _network.Contains(address);
}
