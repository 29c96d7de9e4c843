namespace CiliumL7.Policy.Generation;

/// <summary>The replay of observed flows (and unobserved neighbours) through <c>policy trace</c>.</summary>
public sealed record VerifyReport
{
    /// <summary>Problems with the generated YAML itself (must be empty).</summary>
    public required IReadOnlyList<string> ValidationErrors { get; init; }

    /// <summary>Observed flows replayed.</summary>
    public required int Replayed { get; init; }

    /// <summary>Observed flows the generated policies allow.</summary>
    public required int Allowed { get; init; }

    /// <summary>Of <see cref="Allowed"/>, flows to the world allowed by a toFQDNs name (checked by name: an offline trace has no DNS cache).</summary>
    public required int AllowedByName { get; init; }

    /// <summary>Observed flows refused: "line N: what → verdict" (must be empty).</summary>
    public required IReadOnlyList<string> Refused { get; init; }

    /// <summary>Unobserved neighbours tried (another peer, port, method/path, DNS name).</summary>
    public required int Neighbours { get; init; }

    /// <summary>Of <see cref="Neighbours"/>, how many the policies refuse.</summary>
    public required int NeighboursRefused { get; init; }

    /// <summary>A sample of neighbours with their verdicts (every allowed one is listed).</summary>
    public required IReadOnlyList<string> NeighbourSample { get; init; }

    /// <summary>True when the YAML is valid and every observed flow is allowed.</summary>
    public bool Ok => ValidationErrors.Count == 0 && Allowed == Replayed;

    /// <summary>The report as <c>policy generate --verify</c> prints it.</summary>
    public IEnumerable<string> Lines()
    {
        foreach (var e in ValidationErrors)
        {
            yield return "verify: generated policy is invalid: " + e;
        }
        yield return "verify: " + Allowed + "/" + Replayed + " observed flow(s) ALLOWED" + (Allowed == Replayed ? "" : " (" + (Replayed - Allowed) + " refused: a bug, please report it)")
            + (AllowedByName > 0 ? "; " + AllowedByName + " of them to the world by toFQDNs name (checked by name)" : "");
        foreach (var r in Refused.Take(20))
        {
            yield return "  refused: " + r;
        }
        yield return "verify: " + NeighboursRefused + "/" + Neighbours + " unobserved neighbour(s) DROPPED/DENIED; sample:";
        foreach (var n in NeighbourSample)
        {
            yield return "  " + n;
        }
    }
}
