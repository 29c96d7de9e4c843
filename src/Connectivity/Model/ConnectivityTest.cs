namespace CiliumL7.Connectivity.Model;

/// <summary>
/// A named test (cilium-cli's names where they exist): the policies it imports into the test
/// namespace, its actions, or the reason it is skipped.
/// </summary>
/// <param name="Name">Test name, e.g. <c>client-egress-l7</c>.</param>
/// <param name="Policies">CiliumNetworkPolicy YAML documents (namespace filled in at run time via <c>{ns}</c>).</param>
/// <param name="Actions">The actions, in order.</param>
/// <param name="SkipReason">Why the test does not run in this build (null: it runs).</param>
public sealed record ConnectivityTest(string Name, IReadOnlyList<string> Policies, IReadOnlyList<TestAction> Actions, string? SkipReason = null)
{
    /// <summary>The test needs a second node (skipped, saying why, when the agent's cluster has none).</summary>
    public bool NeedsOtherNode { get; init; }

    /// <summary>A test that is listed but cannot run yet.</summary>
    public static ConnectivityTest Skipped(string name, string reason) => new(name, [], [], reason);
}
