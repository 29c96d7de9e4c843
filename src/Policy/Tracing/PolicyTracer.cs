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
        var srcId = identities.GetOrAllocate(request.Source);
        var dstId = identities.GetOrAllocate(request.Destination);
        var endpoints = new List<EndpointInfo>
        {
            new(SourceEndpointId, request.Source.Namespace ?? "default", "source", request.Source, srcId),
            new(DestinationEndpointId, request.Destination.Namespace ?? "default", "destination", request.Destination, dstId),
        };
        var snapshot = PolicyResolver.Resolve(policies, endpoints, identities);

        var egress = Step(policies, snapshot.Endpoints[SourceEndpointId], request.Source, TrafficDirection.Egress, dstId, request);
        if (egress.Verdict != TraceVerdict.Allowed)
        {
            return new TraceResult { SourceIdentity = srcId, DestinationIdentity = dstId, Egress = egress, Verdict = egress.Verdict };
        }
        var ingress = Step(policies, snapshot.Endpoints[DestinationEndpointId], request.Destination, TrafficDirection.Ingress, srcId, request);
        return new TraceResult { SourceIdentity = srcId, DestinationIdentity = dstId, Egress = egress, Ingress = ingress, Verdict = ingress.Verdict };
    }

    private static TraceStep Step(IReadOnlyList<PolicyResource> policies, EndpointPolicy policy, LabelSet self, TrafficDirection direction, uint peer, TraceRequest request)
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
        lines.Add("  L3/L4: allowed on " + portText + " by " + by + ", redirected to the " + e.Parser.ToString().ToUpperInvariant() + " proxy");
        var (allowed, rulePath, decider, text) = JudgeL7(policy, direction, peer, e.Parser, request);
        lines.Add("  L7: " + text);
        return new TraceStep
        {
            Direction = direction, Enforced = enforced, SelectedBy = selectedBy, Entry = e, Parser = e.Parser,
            L7Allowed = allowed, L7RulePath = rulePath, L7PolicyName = decider,
            Verdict = allowed ? TraceVerdict.Allowed : TraceVerdict.Denied, Lines = lines,
        };
    }

    private static (bool Allowed, string? RulePath, string? Decider, string Text) JudgeL7(EndpointPolicy policy, TrafficDirection direction, uint peer, L7Parser parser, TraceRequest request)
    {
        switch (parser)
        {
            case L7Parser.Http:
            {
                var set = policy.GetHttpRules(direction, request.Port, request.Protocol, peer);
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
                var set = policy.GetDnsRules(direction, request.Port, request.Protocol, peer);
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
                var set = policy.GetKafkaRules(direction, request.Port, request.Protocol, peer);
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
