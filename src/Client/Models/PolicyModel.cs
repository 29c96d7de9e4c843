namespace CiliumL7.Client.Models;

/// <summary><c>GET /v1/policy</c>: every policy in force, and where it came from.</summary>
public sealed record PolicyModel
{
    /// <summary>Revision, bumped on every change of the policy set.</summary>
    public long Revision { get; init; }

    /// <summary>Policies in force.</summary>
    public required IReadOnlyList<PolicyResourceModel> Policies { get; init; }

    /// <summary>Files of the policy directory that failed validation (their last good version, if any, stays in force).</summary>
    public required IReadOnlyList<PolicyErrorModel> Errors { get; init; }
}
