using CiliumL7.Policy.Api;
using YamlDotNet.RepresentationModel;

namespace CiliumL7.Agent.Policies;

/// <summary>Full validation with the policy engine's parser: every error, each naming file, resource, field path and value.</summary>
internal sealed class ParserPolicyValidator : IPolicyValidator
{
    public (IReadOnlyList<string> Errors, IReadOnlyList<PolicyResource> Resources) Validate(YamlNode root, string source)
    {
        var result = PolicyParser.ParseDocument(root, source);
        return ([.. result.Errors.Select(e => e.ToString())], result.Resources);
    }
}
