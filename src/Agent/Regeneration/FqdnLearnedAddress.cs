using System.Net;

namespace CiliumL7.Agent.Regeneration;

/// <summary>An address a DNS answer taught, with its (local CIDR) identity and the names it answers for (query and CNAMEs).</summary>
/// <param name="Address">The learned address.</param>
/// <param name="Identity">Its identity (<c>cidr:IP/32</c> or <c>/128</c>).</param>
/// <param name="Names">The normalized names of the answer: the query's and every CNAME's.</param>
internal sealed record FqdnLearnedAddress(IPAddress Address, uint Identity, IReadOnlyList<string> Names)
{
    /// <summary>The host prefix the ipcache maps to <see cref="Identity"/>.</summary>
    public IPNetwork Prefix => new(Address, Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
}
