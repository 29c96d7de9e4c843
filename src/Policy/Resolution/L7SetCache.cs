using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using CiliumL7.Policy.L7;

namespace CiliumL7.Policy.Resolution;

/// <summary>
/// Shares one compiled rule set (<c>HttpRuleSet</c>/<c>DnsRuleSet</c>/<c>KafkaRuleSet</c>)
/// between every (local identity, direction, port, peer) of one resolution whose
/// set would be built from the same rule objects in the same order. Per-peer sets
/// stay per peer in meaning (CVE-2023-30851: a peer's set holds only its own
/// rules); peers that are allowed the same rules simply hold the same immutable
/// instance, so a rule selecting 50 client identities on 2 ports of 4 backends
/// indexes its 10,000 HTTP rules once, not 400 times.
/// </summary>
internal sealed class L7SetCache
{
    private readonly Dictionary<Key, L7RuleSet> _sets = [];

    /// <summary>The set already built for these inputs, if any (<paramref name="rules"/> must not change afterwards).</summary>
    public bool TryGet(L7Parser parser, string decider, List<IL7Rule> rules, out Key key, [MaybeNullWhen(false)] out L7RuleSet set)
    {
        key = new Key(parser, decider, rules);
        return _sets.TryGetValue(key, out set);
    }

    /// <summary>Remembers <paramref name="set"/> as the set for <paramref name="key"/>.</summary>
    public void Add(Key key, L7RuleSet set) => _sets[key] = set;

    /// <summary>Parser, deciding policy and the rule objects (compared by reference, in order).</summary>
    internal readonly struct Key : IEquatable<Key>
    {
        private readonly L7Parser _parser;
        private readonly string _decider;
        private readonly List<IL7Rule> _rules;
        private readonly int _hash;

        public Key(L7Parser parser, string decider, List<IL7Rule> rules)
        {
            _parser = parser;
            _decider = decider;
            _rules = rules;
            var hash = new HashCode();
            hash.Add(parser);
            hash.Add(decider, StringComparer.Ordinal);
            foreach (var rule in rules)
            {
                hash.Add(RuntimeHelpers.GetHashCode(rule));
            }
            _hash = hash.ToHashCode();
        }

        public bool Equals(Key other)
        {
            if (_hash != other._hash || _parser != other._parser || _rules.Count != other._rules.Count
                || !string.Equals(_decider, other._decider, StringComparison.Ordinal))
            {
                return false;
            }
            for (var i = 0; i < _rules.Count; i++)
            {
                if (!ReferenceEquals(_rules[i], other._rules[i]))
                {
                    return false;
                }
            }
            return true;
        }

        public override bool Equals(object? obj) => obj is Key other && Equals(other);

        public override int GetHashCode() => _hash;
    }
}
