namespace CiliumL7.Connectivity.Model;

/// <summary>What an action must observe: curl's outcome and the flows Hubble must show for it.</summary>
public enum Expect
{
    /// <summary>curl succeeds (exit 0); no policy applies: Hubble shows no drop for the connection.</summary>
    Allowed,

    /// <summary>curl succeeds; a policy applies: Hubble shows a FORWARDED policy verdict and no drop.</summary>
    AllowedByPolicy,

    /// <summary>curl succeeds through the L7 proxy: Hubble shows the http-request FORWARDED and its 2xx response.</summary>
    AllowedL7,

    /// <summary>curl times out (exit 28): Hubble shows the SYN DROPPED with reason POLICY_DENIED (default deny).</summary>
    DroppedDefaultDeny,

    /// <summary>curl times out (exit 28): Hubble shows the SYN DROPPED with reason POLICY_DENY (a deny rule).</summary>
    DroppedDenyRule,

    /// <summary>curl --fail exits 22 on a 403: Hubble shows the http-request DROPPED and the 403 response.</summary>
    L7Denied,
}
