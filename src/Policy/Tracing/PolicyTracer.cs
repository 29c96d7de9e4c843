using System.Net;
using CiliumL7.Policy.Api;
using CiliumL7.Policy.Identity;
using CiliumL7.Policy.L7;
using CiliumL7.Policy.Resolution;

namespace CiliumL7.Policy.Tracing;

/// <summary>
/// Answers a <see cref="TraceRequest"/> the way the datapath and proxy will:
/// resolve the policies for the two pods, look up the source's egress entry
/// and then the destination's ingress entry (a covering deny wins, the most
/// specific entry decides), and judge the L7 request where traffic is redirected.
/// </summary>
public static class PolicyTracer
{
    private const uint SourceEndpointId = 1;
    private const uint DestinationEndpointId = 2;

    /// <summary>Traces one request through <paramref name="policies"/>.</summary>
    public static TraceResult Trace(IReadOnlyList<PolicyResource> policies, TraceRequest request)
    {
        var identities = new InMemoryIdentityAllocator();
        var (srcId, srcLocal) = Identify(identities, request.Source, request.SourceAddress);
        if (request.DestinationFqdn is { } fqdn && srcLocal)
        {
            return TraceToFqdn(policies, request, identities, srcId, fqdn);
        }
        var (dstId, dstLocal) = Identify(identities, request.Destination, request.DestinationAddress);
        var endpoints = new List<EndpointInfo>();
        if (srcLocal)
        {
            endpoints.Add(new(SourceEndpointId, request.Source.Namespace ?? "default", "source", request.Source, srcId));
        }
        if (dstLocal)
        {
            endpoints.Add(new(DestinationEndpointId, request.Destination.Namespace ?? "default", "destination", request.Destination, dstId));
        }
        var snapshot = PolicyResolver.Resolve(policies, endpoints, identities);

        var egress = srcLocal
            ? Step(policies, snapshot.Endpoints[SourceEndpointId], request.Source, TrafficDirection.Egress, dstId, request)
            : Outside(TrafficDirection.Egress, "Egress from source: " + Describe(request.Source, request.SourceAddress) + " is not a pod: no egress policy applies");
        if (egress.Verdict is TraceVerdict.Dropped or TraceVerdict.Denied)
        {
            return new TraceResult { SourceIdentity = srcId, DestinationIdentity = dstId, Egress = egress, Verdict = egress.Verdict };
        }
        var ingress = dstLocal
            ? Step(policies, snapshot.Endpoints[DestinationEndpointId], request.Destination, TrafficDirection.Ingress, srcId, request)
            : Outside(TrafficDirection.Ingress, "Ingress to destination: " + Describe(request.Destination, request.DestinationAddress) + " is not a pod: no ingress policy applies");
        var verdict = ingress.Verdict is TraceVerdict.Dropped or TraceVerdict.Denied ? ingress.Verdict
            : egress.Verdict == TraceVerdict.Audited || ingress.Verdict == TraceVerdict.Audited ? TraceVerdict.Audited
            : TraceVerdict.Allowed;
        return new TraceResult { SourceIdentity = srcId, DestinationIdentity = dstId, Egress = egress, Ingress = ingress, Verdict = verdict };
    }

    /// <summary>Egress only: the destination is an address learned for <paramref name="fqdn"/> (a CIDR identity outside the cluster).</summary>
    private static TraceResult TraceToFqdn(IReadOnlyList<PolicyResource> policies, TraceRequest request, InMemoryIdentityAllocator identities, uint srcId, string fqdn)
    {
        var dstId = identities.GetOrAllocateCidr(System.Net.IPNetwork.Parse("0.0.0.1/32")); // stands for "an address the answer gave"
        var endpoints = new List<EndpointInfo> { new(SourceEndpointId, request.Source.Namespace ?? "default", "source", request.Source, srcId) };
        var snapshot = PolicyResolver.Resolve(policies, endpoints, identities, new TraceFqdnIdentities(fqdn, dstId));
        var egress = Step(policies, snapshot.Endpoints[SourceEndpointId], request.Source, TrafficDirection.Egress, dstId, request);
        return new TraceResult { SourceIdentity = srcId, DestinationIdentity = dstId, Egress = egress, Verdict = egress.Verdict };
    }

    /// <summary>
    /// A pod's labels get an allocated identity; a reserved label set
    /// (<c>reserved:host</c>, ...) its reserved number; an address outside the
    /// cluster a CIDR identity for its host prefix. Only pods have policies.
    /// </summary>
    private static (uint Id, bool Local) Identify(InMemoryIdentityAllocator identities, LabelSet labels, IPAddress? address)
    {
        if (address is not null)
        {
            var bits = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
            return (identities.GetOrAllocateCidr(new IPNetwork(address, bits)), false);
        }
        foreach (var (id, name) in ReservedIdentity.Names)
        {
            if (labels.Count > 0 && labels.All(l => l.Source == Label.SourceReserved) && labels.Any(l => l.Key == name))
            {
                return (id, false);
            }
        }
        return (identities.GetOrAllocate(labels), true);
    }

    private static string Describe(LabelSet labels, IPAddress? address) => address is not null ? "world " + address : labels.ToString();

    private static TraceStep Outside(TrafficDirection direction, string line)
        => new() { Direction = direction, Enforced = false, SelectedBy = [], Verdict = TraceVerdict.Allowed, Lines = [line] };

    /// <summary>
    /// One direction; in audit mode a drop or deny becomes AUDITED (let through, reported).
    /// With audited policies beside enforcing ones, what the enforcing ones let through is
    /// judged by the audited ones too: a drop or deny there is AUDITED as well.
    /// </summary>
    private static TraceStep Step(IReadOnlyList<PolicyResource> policies, EndpointPolicy policy, LabelSet self, TrafficDirection direction, uint peer, TraceRequest request)
    {
        var step = Decide(policies, policy, self, direction, peer, request);
        var by = policy.Audit.PoliciesOf(direction);
        if (step.Verdict != TraceVerdict.Allowed && policy.IsAudited(direction))
        {
            var lines = new List<string>(step.Lines)
            {
                "  audit mode (" + string.Join(", ", by) + "): let through and reported as AUDIT; enforced, it would be " + step.Verdict.ToString().ToUpperInvariant(),
            };
            return step with { Verdict = TraceVerdict.Audited, WouldBe = step.Verdict, AuditedBy = by, Lines = lines };
        }
        var beside = direction == TrafficDirection.Ingress ? policy.Audit.IngressBeside : policy.Audit.EgressBeside;
        if (step.Verdict != TraceVerdict.Allowed || !beside)
        {
            return step;
        }
        var (wouldBe, auditedBy, line) = JudgeAuditBeside(policy, direction, peer, request, step.Entry, by);
        var withAudit = new List<string>(step.Lines) { line };
        return wouldBe is { } w
            ? step with { Verdict = TraceVerdict.Audited, WouldBe = w, AuditedBy = auditedBy, Lines = withAudit }
            : step with { Lines = withAudit };
    }

    /// <summary>What the audited policies beside the enforcing ones would do with traffic the enforcing ones let through.</summary>
    private static (TraceVerdict? WouldBe, IReadOnlyList<string> By, string Line) JudgeAuditBeside(EndpointPolicy policy, TrafficDirection direction, uint peer,
        TraceRequest request, L4PolicyEntry? enforcing, IReadOnlyList<string> by)
    {
        var prefix = "  audited beside (" + string.Join(", ", by) + "): ";
        var portText = request.Port + "/" + Protocols.Name(request.Protocol);
        var entry = policy.LookupAudit(direction, peer, request.Protocol, request.Port);
        if (entry is null)
        {
            return (TraceVerdict.Dropped, by, prefix + "no audited rule allows identity " + peer + " on " + portText + ": would be DROPPED (policy denied by default); reported as AUDIT");
        }
        var e = entry.Value;
        switch (e.Action)
        {
            case PolicyAction.Deny:
                IReadOnlyList<string> deniedBy = e.PolicyName is null ? by : [e.PolicyName];
                return (TraceVerdict.Dropped, deniedBy, prefix + "denied by " + e.PolicyName + " " + e.RulePath + ": would be DROPPED (explicit deny); reported as AUDIT");
            case PolicyAction.Allow:
                return (null, by, prefix + "allowed on " + portText + " by " + e.PolicyName + " " + e.RulePath);
        }
        if (enforcing is not { Action: PolicyAction.Redirect } || enforcing.Value.Parser != e.Parser)
        {
            return (null, by, prefix + "allowed on " + portText + " by " + e.PolicyName + " " + e.RulePath
                + "; its " + e.Parser.ToString().ToUpperInvariant() + " rules are not judged (the enforcing policy does not redirect this port to that proxy)");
        }
        var (allowed, _, decider, text) = JudgeL7(policy.GetAuditRules(direction, request.Port, request.Protocol, peer), e.Parser, request);
        return allowed
            ? (null, by, prefix + "L7: " + text)
            : (TraceVerdict.Denied, decider is null ? by : [decider], prefix + "L7: " + text + " (would be DENIED; reported as AUDIT)");
    }

    private static TraceStep Decide(IReadOnlyList<PolicyResource> policies, EndpointPolicy policy, LabelSet self, TrafficDirection direction, uint peer, TraceRequest request)
    {
        var side = direction == TrafficDirection.Egress ? "Egress from source" : "Ingress to destination";
        var selectedBy = SelectingPolicies(policies, self, direction);
        var enforced = direction == TrafficDirection.Egress ? policy.EgressEnforced : policy.IngressEnforced;
        var lines = new List<string>();
        var portText = request.Port + "/" + Protocols.Name(request.Protocol);
        lines.Add(side + ": " + (selectedBy.Count == 0
            ? "no policy selects this endpoint"
            : "selected by " + string.Join(", ", selectedBy)) + (enforced ? " (default deny)" : " (not enforced: default allow)"));

        var entry = policy.Lookup(direction, peer, request.Protocol, request.Port);
        if (entry is null)
        {
            lines.Add("  L3/L4: no rule allows identity " + peer + " on " + portText + ": DROPPED (policy denied by default)");
            return new TraceStep { Direction = direction, Enforced = enforced, SelectedBy = selectedBy, Verdict = TraceVerdict.Dropped, Lines = lines };
        }
        var e = entry.Value;
        var by = e.PolicyName is null ? "no policy (direction not enforced)" : e.PolicyName + " " + e.RulePath;
        switch (e.Action)
        {
            case PolicyAction.Deny:
                lines.Add("  L3/L4: denied by " + by + ": DROPPED (explicit deny)");
                return new TraceStep { Direction = direction, Enforced = enforced, SelectedBy = selectedBy, Entry = e, Verdict = TraceVerdict.Dropped, Lines = lines };
            case PolicyAction.Allow:
                lines.Add("  L3/L4: allowed on " + portText + " by " + by);
                return new TraceStep { Direction = direction, Enforced = enforced, SelectedBy = selectedBy, Entry = e, Verdict = TraceVerdict.Allowed, Lines = lines };
        }
        lines.Add("  L3/L4: allowed on " + portText + " by " + by + ", redirected to the " + e.Parser.ToString().ToUpperInvariant() + " proxy"
            + (e.ForAudit ? " so that the audited policies' " + e.Parser.ToString().ToUpperInvariant() + " rules are judged (" + e.PolicyName + " allows every request)" : ""));
        var (allowed, rulePath, decider, text) = JudgeL7(policy.GetRules(direction, request.Port, request.Protocol, peer), e.Parser, request);
        if (Enforcement.UnenforcedRuleKinds.Find(e.Parser) is { } unenforced)
        {
            // What the datapath does: the redirect has no proxy behind it, so the traffic is dropped.
            lines.Add("  L7: " + unenforced.Effect + ": DROPPED (the rules would say: " + text + ")");
            return new TraceStep { Direction = direction, Enforced = enforced, SelectedBy = selectedBy, Entry = e, Parser = e.Parser, Verdict = TraceVerdict.Dropped, Lines = lines };
        }
        lines.Add("  L7: " + text);
        return new TraceStep
        {
            Direction = direction, Enforced = enforced, SelectedBy = selectedBy, Entry = e, Parser = e.Parser,
            L7Allowed = allowed, L7RulePath = rulePath, L7PolicyName = decider,
            Verdict = allowed ? TraceVerdict.Allowed : TraceVerdict.Denied, Lines = lines,
        };
    }

    private static (bool Allowed, string? RulePath, string? Decider, string Text) JudgeL7(L7RuleSet? rules, L7Parser parser, TraceRequest request)
    {
        switch (parser)
        {
            case L7Parser.Http:
            {
                var set = rules as HttpRuleSet;
                var http = request.Http ?? new TraceHttpRequest("GET", "/");
                if (set is null)
                {
                    return (false, null, null, http + ": no HTTP rules for this peer: 403 Access denied (fail closed)");
                }
                if (set.IsAllowAll)
                {
                    return (true, null, set.DeciderName, http + ": allowed (this peer's rule has no HTTP rules on this port: allow all) by " + set.DeciderName);
                }
                foreach (var rule in set.Rules)
                {
                    if (rule.Matches(http))
                    {
                        return (true, rule.RulePath, rule.PolicyName, http + ": allowed by " + rule.PolicyName + " " + rule.RulePath + Describe(rule));
                    }
                }
                return (false, null, set.DeciderName, http + ": matches none of " + set.Rules.Count + " HTTP rule(s) (" +
                    string.Join("; ", set.Rules.Select(r => r.PolicyName + " " + r.RulePath + Describe(r))) + "): 403 Access denied");
            }
            case L7Parser.Dns:
            {
                var set = rules as DnsRuleSet;
                var q = request.DnsQuery ?? ".";
                if (set is null)
                {
                    return (false, null, null, "query " + q + ": no DNS rules for this peer: REFUSED (fail closed)");
                }
                var verdict = set.Judge(q);
                var match = set.IsAllowAll ? null : set.FindMatch(q);
                return verdict.Allowed
                    ? (true, match?.RulePath, verdict.PolicyName, "query " + q + ": allowed by " + verdict.PolicyName + " " + (match?.RulePath ?? "(allow all)"))
                    : (false, null, verdict.PolicyName, "query " + q + ": matches no DNS rule: REFUSED");
            }
            case L7Parser.Kafka:
            {
                var set = rules as KafkaRuleSet;
                var k = request.Kafka ?? new TraceKafkaRequest(3, 0, null, []);
                var text = "apiKey " + k.ApiKey + " v" + k.ApiVersion + " topics [" + string.Join(",", k.Topics) + "]";
                if (set is null)
                {
                    return (false, null, null, text + ": no Kafka rules for this peer: error 29 (fail closed)");
                }
                var verdict = set.Judge(k.ApiKey, k.ApiVersion, k.ClientId, k.Topics);
                return verdict.Allowed
                    ? (true, null, verdict.PolicyName, text + ": allowed by " + verdict.PolicyName)
                    : (false, null, verdict.PolicyName, text + ": not every topic is allowed: error 29 TOPIC_AUTHORIZATION_FAILED");
            }
            default:
                return (false, null, null, "redirect to an unknown parser " + parser + ": denied (fail closed)");
        }
    }

    private static string Describe(HttpRule rule)
    {
        var parts = new List<string>();
        if (rule.Method is not null)
        {
            parts.Add("method " + rule.Method);
        }
        if (rule.Path is not null)
        {
            parts.Add("path " + rule.Path);
        }
        if (rule.Host is not null)
        {
            parts.Add("host " + rule.Host);
        }
        return parts.Count == 0 ? "" : " [" + string.Join(", ", parts) + "]";
    }

    private static List<string> SelectingPolicies(IReadOnlyList<PolicyResource> policies, LabelSet labels, TrafficDirection direction)
    {
        var names = new List<string>();
        foreach (var p in policies)
        {
            foreach (var rule in p.Rules)
            {
                var hasSection = direction == TrafficDirection.Ingress
                    ? rule.Ingress is not null || rule.IngressDeny is not null
                    : rule.Egress is not null || rule.EgressDeny is not null;
                if (!hasSection || rule.EndpointSelector is null)
                {
                    continue;
                }
                var selector = p.IsClusterwide ? rule.EndpointSelector : SelectorMatcher.Scope(rule.EndpointSelector, p.Namespace ?? "default");
                if (SelectorMatcher.Matches(selector, labels) && !names.Contains(p.QualifiedName))
                {
                    names.Add(p.QualifiedName);
                }
            }
        }
        return names;
    }
}
