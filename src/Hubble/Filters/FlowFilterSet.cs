using CiliumL7.Hubble.Api;
using Google.Protobuf;

namespace CiliumL7.Hubble.Filters;

/// <summary>
/// A compiled whitelist/blacklist pair with Hubble's semantics: fields inside
/// one <see cref="FlowFilter"/> AND together, filters in one list OR together,
/// and the result is whitelist minus blacklist (an empty whitelist admits all).
/// </summary>
public sealed class FlowFilterSet
{
    private readonly CompiledFlowFilter[] _whitelist;
    private readonly CompiledFlowFilter[] _blacklist;

    private FlowFilterSet(CompiledFlowFilter[] whitelist, CompiledFlowFilter[] blacklist)
    {
        _whitelist = whitelist;
        _blacklist = blacklist;
    }

    /// <summary>A set that admits every flow.</summary>
    public static FlowFilterSet All { get; } = new([], []);

    /// <summary>True when neither list has a filter.</summary>
    public bool IsEmpty => _whitelist.Length == 0 && _blacklist.Length == 0;

    /// <summary>
    /// Compiles the filters; throws <see cref="ArgumentException"/> naming the
    /// list, the index, the field and the bad value when a filter is invalid.
    /// </summary>
    public static FlowFilterSet Compile(IEnumerable<FlowFilter>? whitelist, IEnumerable<FlowFilter>? blacklist)
        => new(CompileList("whitelist", whitelist), CompileList("blacklist", blacklist));

    /// <summary>True when the flow is in the whitelist (or it is empty) and in no blacklist filter.</summary>
    public bool Matches(Flow flow)
    {
        if (_whitelist.Length > 0 && !AnyMatch(_whitelist, flow))
        {
            return false;
        }
        return !AnyMatch(_blacklist, flow);
    }

    private static bool AnyMatch(CompiledFlowFilter[] filters, Flow flow)
    {
        foreach (var filter in filters)
        {
            if (filter.Matches(flow))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// A filter field this server does not know (a newer hubble's) would be ignored and
    /// silently widen the result; refuse it instead, naming the field number.
    /// </summary>
    private static void RejectUnknownFields(FlowFilter filter, string where, List<string> errors)
    {
        var input = new CodedInputStream(filter.ToByteArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var number = WireFormat.GetTagFieldNumber(tag);
            if (FlowFilter.Descriptor.FindFieldByNumber(number) is null)
            {
                errors.Add($"{where}: FlowFilter field {number} is not supported by this CiliumL7 version; drop that filter flag");
            }
            input.SkipLastField();
        }
    }

    private static CompiledFlowFilter[] CompileList(string listName, IEnumerable<FlowFilter>? filters)
    {
        if (filters is null)
        {
            return [];
        }
        var compiled = new List<CompiledFlowFilter>();
        var errors = new List<string>();
        var index = 0;
        foreach (var filter in filters)
        {
            var where = $"{listName}[{index}]";
            RejectUnknownFields(filter, where, errors);
            compiled.Add(CompiledFlowFilter.Compile(filter, where, errors));
            index++;
        }
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors));
        }
        return [.. compiled];
    }
}
