using CiliumL7.Policy.Api;

namespace CiliumL7.Policy.Resolution;

/// <summary>
/// The direction builders of one identity: enforcing policies, audited
/// policies, and (when some endpoint audits everything) all policies, plus
/// the names of the audited policies per direction.
/// </summary>
internal sealed class IdentityBuilders(L7SetCache sets, bool keepAll)
{
    private readonly DirectionBuilder _ingress = new(TrafficDirection.Ingress, sets);
    private readonly DirectionBuilder _egress = new(TrafficDirection.Egress, sets);
    private readonly DirectionBuilder _auditIngress = new(TrafficDirection.Ingress, sets);
    private readonly DirectionBuilder _auditEgress = new(TrafficDirection.Egress, sets);
    private readonly DirectionBuilder? _allIngress = keepAll ? new(TrafficDirection.Ingress, sets) : null;
    private readonly DirectionBuilder? _allEgress = keepAll ? new(TrafficDirection.Egress, sets) : null;
    private readonly SortedSet<string> _auditedIngress = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _auditedEgress = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _allIngressNames = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _allEgressNames = new(StringComparer.Ordinal);

    public void Add(PolicyResource policy, Rule rule, IReadOnlyList<Contribution> contributions)
    {
        var (ingress, egress) = policy.Audit ? (_auditIngress, _auditEgress) : (_ingress, _egress);
        ingress.Enforced |= rule.EnforcesIngress;
        egress.Enforced |= rule.EnforcesEgress;
        if (policy.Audit)
        {
            if (rule.EnforcesIngress)
            {
                _auditedIngress.Add(policy.QualifiedName);
            }
            if (rule.EnforcesEgress)
            {
                _auditedEgress.Add(policy.QualifiedName);
            }
        }
        if (_allIngress is not null && _allEgress is not null)
        {
            _allIngress.Enforced |= rule.EnforcesIngress;
            _allEgress.Enforced |= rule.EnforcesEgress;
            if (rule.EnforcesIngress)
            {
                _allIngressNames.Add(policy.QualifiedName);
            }
            if (rule.EnforcesEgress)
            {
                _allEgressNames.Add(policy.QualifiedName);
            }
        }
        foreach (var c in contributions)
        {
            var ingressSide = c.Direction == TrafficDirection.Ingress;
            (ingressSide ? ingress : egress).Add(c);
            if (_allIngress is not null && _allEgress is not null)
            {
                (ingressSide ? _allIngress : _allEgress).Add(c);
            }
        }
    }

    /// <summary>
    /// The builder that decides <paramref name="direction"/>, whether it is audited, by which
    /// policies, and the audited policies' builder beside an enforcing one (null when none).
    /// </summary>
    public (DirectionBuilder Builder, bool Audit, IReadOnlyList<string> Policies, DirectionBuilder? Beside) Choose(TrafficDirection direction, bool endpointAudit)
    {
        var ingress = direction == TrafficDirection.Ingress;
        if (endpointAudit)
        {
            var all = (ingress ? _allIngress : _allEgress) ?? throw new InvalidOperationException("audited endpoint without the all-policies builder");
            return (all, all.Enforced, all.Enforced ? [.. ingress ? _allIngressNames : _allEgressNames] : [], null);
        }
        var enforcing = ingress ? _ingress : _egress;
        var audited = ingress ? _auditIngress : _auditEgress;
        IReadOnlyList<string> names = audited.Enforced ? [.. ingress ? _auditedIngress : _auditedEgress] : [];
        if (enforcing.Enforced)
        {
            // Deny wins: the enforcing policies decide alone; the audited ones only report.
            return (enforcing, false, names, audited.Enforced ? audited : null);
        }
        return audited.Enforced
            ? (audited, true, names, null)
            : (enforcing, false, [], null);
    }
}
