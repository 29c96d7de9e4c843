namespace CiliumL7.Agent.Policies;

/// <summary>What a policy directory rescan found for one file.</summary>
internal sealed record PolicyScanEvent(string Path, bool Accepted, IReadOnlyList<string> Errors, int Resources, bool Deleted = false);
