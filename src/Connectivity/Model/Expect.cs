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

    /// <summary>dig gets an answer with status NOERROR: Hubble shows the dns-request FORWARDED and a NOERROR dns-response.</summary>
    DnsAnswered,

    /// <summary>dig gets status REFUSED from the DNS proxy: Hubble shows the dns-request DROPPED.</summary>
    DnsRefused,

    /// <summary>kcat succeeds (exit 0): Hubble shows a kafka-request FORWARDED for the topic and no drop.</summary>
    KafkaAllowed,

    /// <summary>kcat fails with "Topic authorization failed" (error 29): Hubble shows a kafka-request DROPPED for the topic.</summary>
    KafkaDenied,
}
