using System.Collections;
using System.Collections.Immutable;
using System.Text;

namespace CiliumL7.Policy.Identity;

/// <summary>
/// An immutable, sorted set of labels with value equality: the thing an
/// identity stands for. Two endpoints with equal security-relevant label sets
/// share one identity.
/// </summary>
public sealed class LabelSet : IEquatable<LabelSet>, IReadOnlyList<Label>
{
    private readonly ImmutableArray<Label> _labels;
    private readonly int _hash;

    /// <summary>Creates a set (sorted, duplicates removed; a later value for the same source:key wins).</summary>
    public LabelSet(IEnumerable<Label> labels)
    {
        var unique = new Dictionary<(string, string), Label>();
        foreach (var label in labels)
        {
            unique[(label.Source, label.Key)] = label;
        }
        var array = new Label[unique.Count];
        unique.Values.CopyTo(array, 0);
        Array.Sort(array, Label.CompareOrdinal);
        _labels = [.. array];
        var hash = new HashCode();
        foreach (var label in _labels)
        {
            hash.Add(label);
        }
        _hash = hash.ToHashCode();
    }

    /// <summary>The empty set.</summary>
    public static LabelSet Empty { get; } = new([]);

    /// <summary>Builds a set of <c>k8s:</c> labels plus the namespace label.</summary>
    public static LabelSet FromK8s(string @namespace, IEnumerable<KeyValuePair<string, string>> labels)
    {
        var list = new List<Label> { Label.K8s(Label.NamespaceKey, @namespace) };
        foreach (var kv in labels)
        {
            list.Add(Label.K8s(kv.Key, kv.Value));
        }
        return new LabelSet(list);
    }

    /// <summary>Parses <c>k8s:app=foo;k8s:io.kubernetes.pod.namespace=default;</c> (or comma separated).</summary>
    public static LabelSet Parse(string text)
    {
        var list = new List<Label>();
        foreach (var part in text.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            list.Add(Label.Parse(part));
        }
        return new LabelSet(list);
    }

    /// <summary>Number of labels.</summary>
    public int Count => _labels.Length;

    /// <summary>The label at <paramref name="index"/> (sorted by source, key).</summary>
    public Label this[int index] => _labels[index];

    /// <summary>The namespace (value of <c>io.kubernetes.pod.namespace</c>), or null.</summary>
    public string? Namespace => TryGetValue(Label.SourceK8s, Label.NamespaceKey, out var ns) ? ns : null;

    /// <summary>Looks a label up by source and key.</summary>
    public bool TryGetValue(string source, string key, out string value)
    {
        foreach (var label in _labels)
        {
            if (label.Key == key && (source == Label.SourceAny || label.Source == source))
            {
                value = label.Value;
                return true;
            }
        }
        value = "";
        return false;
    }

    /// <summary>The kvstore label key: <c>k8s:app=foo;k8s:io.kubernetes.pod.namespace=default;</c>.</summary>
    public string ToLabelKey()
    {
        var sb = new StringBuilder();
        foreach (var label in _labels)
        {
            sb.Append(label.Source).Append(':').Append(label.Key).Append('=').Append(label.Value).Append(';');
        }
        return sb.ToString();
    }

    /// <summary>The labels as <c>source:key=value</c> strings (Hubble's form).</summary>
    public IReadOnlyList<string> ToStrings()
    {
        var list = new string[_labels.Length];
        for (var i = 0; i < list.Length; i++)
        {
            list[i] = _labels[i].ToString();
        }
        return list;
    }

    /// <inheritdoc />
    public bool Equals(LabelSet? other) => other is not null && _hash == other._hash && _labels.AsSpan().SequenceEqual(other._labels.AsSpan());

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as LabelSet);

    /// <inheritdoc />
    public override int GetHashCode() => _hash;

    /// <inheritdoc />
    public IEnumerator<Label> GetEnumerator() => ((IEnumerable<Label>)_labels).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Labels joined with <c>,</c>.</summary>
    public override string ToString() => string.Join(",", ToStrings());
}
