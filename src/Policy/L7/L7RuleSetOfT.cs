namespace CiliumL7.Policy.L7;

/// <summary>
/// The typed half of <see cref="L7RuleSet"/>: judging a <typeparamref name="TRequest"/>
/// (an HTTP request's facts, a DNS query name, a Kafka request) and the
/// egress-then-ingress chain, written once for every protocol.
/// </summary>
/// <typeparam name="TSelf">The protocol's set type.</typeparam>
/// <typeparam name="TRequest">What one judgement looks at.</typeparam>
public abstract class L7RuleSet<TSelf, TRequest> : L7RuleSet
    where TSelf : L7RuleSet<TSelf, TRequest>
    where TRequest : allows ref struct
{
    private TSelf? _next;

    /// <summary>Creates a set (for the protocol subclasses).</summary>
    private protected L7RuleSet(string? deciderName, bool allowAll)
        : base(deciderName, allowAll)
    {
    }

    /// <summary>The set that must allow a request after this one (see <see cref="AndThen(TSelf)"/>); null for none.</summary>
    public TSelf? Next => _next;

    /// <inheritdoc />
    public sealed override L7RuleSet? NextSet => _next;

    /// <summary>
    /// Judges one request: allowed when the wildcard or any rule allows it, and the
    /// <see cref="Next"/> set allows it too. A deny names the set that denied.
    /// </summary>
    public L7Verdict Judge(TRequest request)
    {
        var verdict = IsAllowAll ? new L7Verdict(true, DeciderName) : JudgeRules(request);
        if (verdict.Allowed && _next is not null)
        {
            var next = _next.Judge(request);
            // A deny, or an audited set's would-be deny (audited policies beside enforcing ones), names the next set.
            verdict = next.Allowed && !next.Audited ? verdict : next;
        }
        // Audit mode: what would be denied is let through, and says so.
        return IsAudit && !verdict.Allowed ? new L7Verdict(true, verdict.PolicyName) { Audited = true } : verdict;
    }

    /// <inheritdoc />
    public sealed override L7RuleSet AsAudit()
    {
        if (IsAudit)
        {
            return this;
        }
        var audit = (TSelf)MemberwiseClone();
        audit.IsAudit = true;
        return audit;
    }

    /// <summary>A set that allows what both this set and <paramref name="next"/> allow (this one first).</summary>
    public TSelf AndThen(TSelf next)
    {
        ArgumentNullException.ThrowIfNull(next);
        var both = (TSelf)MemberwiseClone();
        both._next = _next is null ? next : _next.AndThen(next);
        return both;
    }

    /// <inheritdoc />
    public sealed override L7RuleSet AndThen(L7RuleSet next) => next is TSelf same
        ? AndThen(same)
        : throw new ArgumentException($"cannot chain a {next?.Parser} rule set after a {Parser} rule set", nameof(next));

    /// <summary>This set's own rules (not the wildcard, not the chain): the first match allows, else deny by <see cref="L7RuleSet.DeciderName"/>.</summary>
    protected abstract L7Verdict JudgeRules(TRequest request);
}
