using CiliumL7.Policy.Api;
using CiliumL7.Policy.Identity;

namespace CiliumL7.Policy.Resolution;

/// <summary>Evaluates an <see cref="EndpointSelector"/> against one label set.</summary>
public static class SelectorMatcher
{
    /// <summary>True when <paramref name="labels"/> satisfy every matchLabels and matchExpressions item.</summary>
    public static bool Matches(EndpointSelector selector, LabelSet labels)
    {
        foreach (var (k, v) in selector.MatchLabels)
        {
            var (source, key) = Label.SplitSource(k, Label.SourceAny);
            if (!labels.TryGetValue(source, key, out var actual) || actual != v)
            {
                return false;
            }
        }
        foreach (var req in selector.MatchExpressions)
        {
            var (source, key) = Label.SplitSource(req.Key, Label.SourceAny);
            var has = labels.TryGetValue(source, key, out var actual);
            var ok = req.Operator switch
            {
                LabelSelectorRequirement.OpIn => has && Contains(req.Values, actual),
                LabelSelectorRequirement.OpNotIn => !has || !Contains(req.Values, actual),
                LabelSelectorRequirement.OpExists => has,
                LabelSelectorRequirement.OpDoesNotExist => !has,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Applies CNP/CCNP namespace scoping to a peer or subject selector: a CNP
    /// selector gets <c>k8s:io.kubernetes.pod.namespace=NS</c>, a CCNP peer gets
    /// "namespace label exists" — unless the selector already names the
    /// namespace key or a reserved label.
    /// </summary>
    public static EndpointSelector Scope(EndpointSelector selector, string? @namespace)
    {
        foreach (var k in selector.MatchLabels.Keys)
        {
            if (NamesNamespaceOrReserved(k))
            {
                return selector;
            }
        }
        foreach (var req in selector.MatchExpressions)
        {
            if (NamesNamespaceOrReserved(req.Key))
            {
                return selector;
            }
        }
        if (@namespace is not null)
        {
            var labels = new Dictionary<string, string>(selector.MatchLabels) { ["k8s:" + Label.NamespaceKey] = @namespace };
            return selector with { MatchLabels = labels };
        }
        return selector with
        {
            MatchExpressions = [.. selector.MatchExpressions, new LabelSelectorRequirement { Key = "k8s:" + Label.NamespaceKey, Operator = LabelSelectorRequirement.OpExists }],
        };
    }

    /// <summary>True when the selector names the namespace key or a reserved label (no implicit scoping).</summary>
    internal static bool NamesNamespaceOrReserved(EndpointSelector selector)
    {
        foreach (var k in selector.MatchLabels.Keys)
        {
            if (NamesNamespaceOrReserved(k))
            {
                return true;
            }
        }
        foreach (var req in selector.MatchExpressions)
        {
            if (NamesNamespaceOrReserved(req.Key))
            {
                return true;
            }
        }
        return false;
    }

    private static bool NamesNamespaceOrReserved(string k)
    {
        var (source, key) = Label.SplitSource(k, Label.SourceAny);
        return key == Label.NamespaceKey || source == Label.SourceReserved;
    }

    private static bool Contains(IReadOnlyList<string> values, string v)
    {
        foreach (var x in values)
        {
            if (x == v)
            {
                return true;
            }
        }
        return false;
    }
}
