namespace CiliumL7.Policy.Api.Limits;

/// <summary>
/// Bounds on untrusted structured input (policy manifests, REST and CNI JSON,
/// Hubble requests), checked before any parser builds a tree. A document
/// deeper, larger or more alias-expanding than these is rejected with an error
/// naming the limit, never parsed: a recursive parser would overflow the stack
/// and take the whole process down.
/// </summary>
public static class InputLimits
{
    /// <summary>Largest policy file or import body (Kubernetes stores objects up to about 1.5 MiB).</summary>
    public const int MaxPolicyBytes = 2 * 1024 * 1024;

    /// <summary>Deepest nesting of mappings and sequences in a policy (a real policy nests about 12 deep).</summary>
    public const int MaxPolicyDepth = 64;

    /// <summary>Most nodes a policy may expand to, aliases counted at their full size (stops "billion laughs").</summary>
    public const int MaxPolicyNodes = 200_000;

    /// <summary>Largest JSON body accepted on the agent's REST API (policy import bodies use <see cref="MaxPolicyBytes"/>).</summary>
    public const int MaxJsonBodyBytes = 1024 * 1024;

    /// <summary>Deepest JSON nesting accepted anywhere (REST, CNI, state files).</summary>
    public const int MaxJsonDepth = 32;

    /// <summary>Largest CNI network configuration on stdin.</summary>
    public const int MaxCniConfigBytes = 1024 * 1024;

    /// <summary>Largest Hubble gRPC request message.</summary>
    public const int MaxGrpcRequestBytes = 1024 * 1024;

    /// <summary>Longest value echoed into a log line, CLI output or status before it is cut (with its length).</summary>
    public const int MaxEchoedChars = 200;

    /// <summary>
    /// Longest regex a policy may carry (path, host, header value). Checked before the regex is parsed: building
    /// the parse tree of a megabyte-long pattern only to reject it costs hundreds of megabytes.
    /// </summary>
    public const int MaxRegexChars = 8 * 1024;
}
