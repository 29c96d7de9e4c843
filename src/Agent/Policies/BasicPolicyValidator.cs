namespace CiliumL7.Agent.Policies;

/// <summary>Validator used until the policy engine's parser is wired in: accepts what <see cref="YamlDocuments"/> accepts.</summary>
internal sealed class BasicPolicyValidator : IPolicyValidator
{
    public IReadOnlyList<string> Validate(string text, string source) => [];
}
