using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace CiliumL7.Policy.Api.Limits;

/// <summary>
/// YamlDotNet's event parser with <see cref="InputLimits"/> checked on every
/// event as it streams by: nesting depth and alias-expanded node count. A
/// tree builder (<c>YamlStream.Load(IParser)</c>) reading through it stops at
/// the first event over a limit, before it recurses any deeper, so the text is
/// parsed once instead of a guard pass and then a tree pass.
/// </summary>
/// <remarks>
/// Over a limit, <see cref="MoveNext"/> throws <see cref="YamlInputLimitException"/>
/// with the message to report. YAML syntax errors (<see cref="YamlException"/>)
/// pass through, with their line; the <see cref="InvalidOperationException"/> or
/// <see cref="ArgumentException"/> YamlDotNet throws on some malformed input
/// (a broken plain scalar, a global tag that is not a URI) becomes a
/// <see cref="YamlInputLimitException"/> naming the line.
/// </remarks>
public sealed class GuardedYamlParser : IParser
{
    private readonly Parser _inner;
    private readonly Dictionary<string, long> _anchorSizes = new(StringComparer.Ordinal);
    private readonly Stack<(string? Anchor, long StartNodes)> _open = new();
    private int _depth;
    private long _nodes;

    /// <summary>A parser over <paramref name="text"/> (its length is checked by the caller: <see cref="YamlInputGuard.CheckLength"/>).</summary>
    public GuardedYamlParser(string text) => _inner = new Parser(new StringReader(text));

    /// <inheritdoc/>
    public ParsingEvent? Current => _inner.Current;

    /// <inheritdoc/>
    public bool MoveNext()
    {
        bool more;
        try
        {
            more = _inner.MoveNext();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw new YamlInputLimitException(
                $"line {_inner.Current?.Start.Line ?? 1}: YAML syntax error the reader cannot place exactly (near this line: a broken plain scalar, bracket or alias); check quoting, brackets and anchors.");
        }
        if (more && _inner.Current is { } current)
        {
            Account(current);
        }
        return more;
    }

    private void Account(ParsingEvent current)
    {
        switch (current)
        {
            case MappingStart m:
                Open(m.Anchor, m.Start.Line);
                break;
            case SequenceStart s:
                Open(s.Anchor, s.Start.Line);
                break;
            case MappingEnd or SequenceEnd:
                _depth--;
                if (_open.TryPop(out var frame) && frame.Anchor is not null)
                {
                    _anchorSizes[frame.Anchor] = _nodes - frame.StartNodes + 1;
                }
                break;
            case Scalar sc:
                _nodes++;
                if (!sc.Anchor.IsEmpty)
                {
                    _anchorSizes[sc.Anchor.Value] = 1;
                }
                break;
            case AnchorAlias alias:
                _nodes += _anchorSizes.GetValueOrDefault(alias.Value.Value, 1);
                break;
        }
        if (_nodes > InputLimits.MaxPolicyNodes)
        {
            throw new YamlInputLimitException(
                $"expands to more than {InputLimits.MaxPolicyNodes} YAML nodes (aliases counted at their full size); a policy needs far fewer: split it into several resources or remove the alias chains.");
        }
    }

    private void Open(YamlDotNet.Core.AnchorName anchor, long line)
    {
        _nodes++;
        _depth++;
        if (_depth > InputLimits.MaxPolicyDepth)
        {
            throw new YamlInputLimitException(
                $"line {line}: YAML nesting deeper than {InputLimits.MaxPolicyDepth} levels (the limit); a policy nests about 12 levels: look for runaway '[' or '{{' or indentation.");
        }
        _open.Push((anchor.IsEmpty ? null : anchor.Value, _nodes));
    }
}
