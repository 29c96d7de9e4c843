namespace CiliumL7.Policy.Api;

/// <summary>One <c>matchExpressions</c> item.</summary>
public sealed record LabelSelectorRequirement
{
    /// <summary><c>In</c>.</summary>
    public const string OpIn = "In";

    /// <summary><c>NotIn</c>.</summary>
    public const string OpNotIn = "NotIn";

    /// <summary><c>Exists</c>.</summary>
    public const string OpExists = "Exists";

    /// <summary><c>DoesNotExist</c>.</summary>
    public const string OpDoesNotExist = "DoesNotExist";

    /// <summary>The label key (optionally <c>source:key</c>).</summary>
    public required string Key { get; init; }

    /// <summary>In, NotIn, Exists or DoesNotExist.</summary>
    public required string Operator { get; init; }

    /// <summary>Values for In / NotIn.</summary>
    public IReadOnlyList<string> Values { get; init; } = [];
}
