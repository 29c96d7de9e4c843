using CiliumL7.Policy.Api;

namespace CiliumL7.Policy.Resolution;

/// <summary>
/// The identities a <c>toFQDNs</c> selector stands for: the local identities of
/// the addresses learned from allowed DNS answers whose name (or CNAME) the
/// selector matches. The agent's FQDN cache implements it; resolution only reads.
/// </summary>
public interface IFqdnIdentities
{
    /// <summary>The identities selected by <paramref name="selector"/>, sorted, possibly empty.</summary>
    uint[] Select(FqdnSelector selector);
}
