using YamlDotNet.Core;

namespace CiliumL7.Policy.Api.Limits;

/// <summary>
/// Checks a YAML (or JSON) text against <see cref="InputLimits"/> with
/// YamlDotNet's event parser, which keeps its own explicit stack and does not
/// recurse: size first, then nesting depth and alias-expanded node count, all
/// before a <c>YamlStream</c> (which recurses per nesting level) sees the text.
/// A reader that builds the tree anyway can check while it reads instead:
/// <see cref="CheckLength"/>, then <c>YamlStream.Load</c> over a <see cref="GuardedYamlParser"/>.
/// </summary>
public static class YamlInputGuard
{
    /// <summary>Null when the text is within the limits; else one message naming the limit, the value found and the fix.</summary>
    public static string? Check(string text)
    {
        if (CheckLength(text) is { } tooLarge)
        {
            return tooLarge;
        }
        var parser = new GuardedYamlParser(text);
        try
        {
            while (parser.MoveNext())
            {
            }
        }
        catch (YamlException)
        {
            return null; // a syntax error: the full parser reports it with its line
        }
        catch (YamlInputLimitException e)
        {
            return e.Message;
        }
        return null;
    }

    /// <summary>Null when the text is not longer than <see cref="InputLimits.MaxPolicyBytes"/>; else the message.</summary>
    public static string? CheckLength(string text) =>
        text.Length > InputLimits.MaxPolicyBytes ? TooLarge(text.Length) : null;

    /// <summary>The message for a text of <paramref name="length"/> characters or bytes over <see cref="InputLimits.MaxPolicyBytes"/>.</summary>
    public static string TooLarge(long length) =>
        $"is {length} bytes, larger than the limit of {InputLimits.MaxPolicyBytes} bytes for a policy file; split it into several files.";
}
