using CiliumL7.Client.Models;

namespace CiliumL7.Agent.Identity;

/// <summary>
/// Node-local identity allocation: one numeric identity per set of
/// security-relevant labels, from 256 up, persisted so that a restart gives
/// every label set the identity it had. Identities no endpoint uses are kept
/// (a later endpoint with the same labels gets the same number). Not
/// thread-safe: the agent serializes calls.
/// </summary>
internal sealed class IdentityStore
{
    public const long FirstAllocatable = 256;
    private const long MaxLocal = 0xFFFF;

    private readonly Dictionary<string, long> _byKey = new(StringComparer.Ordinal);
    private readonly Dictionary<long, List<string>> _byId = [];

    /// <summary>Reserved identities (FACTS.md §4), reported by <c>identity list</c>.</summary>
    public static readonly IReadOnlyList<(long Id, string Label)> Reserved =
    [
        (1, "reserved:host"), (2, "reserved:world"), (3, "reserved:unmanaged"), (4, "reserved:health"),
        (5, "reserved:init"), (6, "reserved:remote-node"), (7, "reserved:kube-apiserver"), (8, "reserved:ingress"),
        (9, "reserved:world-ipv4"), (10, "reserved:world-ipv6"),
    ];

    public int Count => _byId.Count;

    /// <summary>The identity for these security-relevant labels (sorted), allocating one if needed.</summary>
    public long GetOrAllocate(IReadOnlyList<string> securityLabels)
    {
        var key = EndpointLabels.Key(securityLabels);
        if (_byKey.TryGetValue(key, out var id))
        {
            return id;
        }
        for (id = FirstAllocatable; id <= MaxLocal; id++)
        {
            if (!_byId.ContainsKey(id))
            {
                _byKey[key] = id;
                _byId[id] = [.. securityLabels];
                return id;
            }
        }
        throw new InvalidOperationException("identity space exhausted");
    }

    /// <summary>Restores a persisted assignment; false when it conflicts with another.</summary>
    public bool Restore(long id, IReadOnlyList<string> labels)
    {
        var key = EndpointLabels.Key(labels);
        if (id < FirstAllocatable || _byId.ContainsKey(id) || _byKey.ContainsKey(key))
        {
            return false;
        }
        _byKey[key] = id;
        _byId[id] = [.. labels];
        return true;
    }

    public IReadOnlyList<string>? LabelsOf(long id) => _byId.TryGetValue(id, out var labels) ? labels : null;

    /// <summary>Every allocated identity (for persistence).</summary>
    public List<IdentityModel> Snapshot()
    {
        var list = new List<IdentityModel>(_byId.Count);
        foreach (var (id, labels) in _byId.OrderBy(kv => kv.Key))
        {
            list.Add(new IdentityModel { Id = id, Labels = labels });
        }
        return list;
    }
}
