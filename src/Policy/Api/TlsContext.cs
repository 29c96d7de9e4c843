namespace CiliumL7.Policy.Api;

/// <summary><c>terminatingTLS</c> / <c>originatingTLS</c>: where the TLS material lives.</summary>
public sealed record TlsContext
{
    /// <summary><c>secret.namespace</c>.</summary>
    public string? SecretNamespace { get; init; }

    /// <summary><c>secret.name</c>.</summary>
    public string? SecretName { get; init; }

    /// <summary><c>trustedCA</c>.</summary>
    public string? TrustedCa { get; init; }

    /// <summary><c>certificate</c>.</summary>
    public string? Certificate { get; init; }

    /// <summary><c>privateKey</c>.</summary>
    public string? PrivateKey { get; init; }
}
