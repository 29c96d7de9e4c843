namespace CiliumL7.Client.Models;

/// <summary>How waiting for a policy revision to be applied ended (<see cref="AgentClient.WaitForPolicyAppliedAsync"/>).</summary>
/// <param name="Applied">True when the agent reported the revision (or a newer one) in force.</param>
/// <param name="AppliedRevision">The newest revision the agent reported in force.</param>
/// <param name="Error">Why the agent failed to apply the revision; null when it did not report a failure.</param>
public sealed record PolicyApplyWait(bool Applied, long AppliedRevision, string? Error);
