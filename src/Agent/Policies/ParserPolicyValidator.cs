using CiliumL7.Policy.Api;

namespace CiliumL7.Agent.Policies;

/// <summary>Full validation with the policy engine's parser: every error, each naming file, resource, field path and value.</summary>
internal sealed class ParserPolicyValidator : IPolicyValidator
{
    public IReadOnlyList<string> Validate(string text, string source)
    {
        var result = PolicyParser.ParseText(text, source);
        return [.. result.Errors.Select(e => e.ToString())];
    }
}
