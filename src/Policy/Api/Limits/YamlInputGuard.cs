using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace CiliumL7.Policy.Api.Limits;

/// <summary>
/// Checks a YAML (or JSON) text against <see cref="InputLimits"/> with
/// YamlDotNet's event parser, which keeps its own explicit stack and does not
/// recurse: size first, then nesting depth and alias-expanded node count, all
/// before a <c>YamlStream</c> (which recurses per nesting level) sees the text.
/// </summary>
public static class YamlInputGuard
{
    /// <summary>Null when the text is within the limits; else one message naming the limit, the value found and the fix.</summary>
    public static string? Check(string text)
    {
        if (text.Length > InputLimits.MaxPolicyBytes)
        {
            return TooLarge(text.Length);
        }
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        long nodes = 0;
        var anchorSizes = new Dictionary<string, long>(StringComparer.Ordinal);
        var open = new Stack<(string? Anchor, long StartNodes)>();
        try
        {
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case MappingStart m:
                        nodes++;
                        depth++;
                        if (depth > InputLimits.MaxPolicyDepth)
                        {
                            return TooDeep(m.Start.Line);
                        }
                        open.Push((m.Anchor.IsEmpty ? null : m.Anchor.Value, nodes));
                        break;
                    case SequenceStart s:
                        nodes++;
                        depth++;
                        if (depth > InputLimits.MaxPolicyDepth)
                        {
                            return TooDeep(s.Start.Line);
                        }
                        open.Push((s.Anchor.IsEmpty ? null : s.Anchor.Value, nodes));
                        break;
                    case MappingEnd or SequenceEnd:
                        depth--;
                        if (open.TryPop(out var frame) && frame.Anchor is not null)
                        {
                            anchorSizes[frame.Anchor] = nodes - frame.StartNodes + 1;
                        }
                        break;
                    case Scalar sc:
                        nodes++;
                        if (!sc.Anchor.IsEmpty)
                        {
                            anchorSizes[sc.Anchor.Value] = 1;
                        }
                        break;
                    case AnchorAlias alias:
                        nodes += anchorSizes.GetValueOrDefault(alias.Value.Value, 1);
                        break;
                }
                if (nodes > InputLimits.MaxPolicyNodes)
                {
                    return $"expands to more than {InputLimits.MaxPolicyNodes} YAML nodes (aliases counted at their full size); a policy needs far fewer: split it into several resources or remove the alias chains.";
                }
            }
        }
        catch (YamlException)
        {
            return null; // a syntax error: the full parser reports it with its line
        }
        return null;
    }

    /// <summary>The message for a text of <paramref name="length"/> characters or bytes over <see cref="InputLimits.MaxPolicyBytes"/>.</summary>
    public static string TooLarge(long length) =>
        $"is {length} bytes, larger than the limit of {InputLimits.MaxPolicyBytes} bytes for a policy file; split it into several files.";

    private static string TooDeep(long line) =>
        $"line {line}: YAML nesting deeper than {InputLimits.MaxPolicyDepth} levels (the limit); a policy nests about 12 levels: look for runaway '[' or '{{' or indentation.";
}
