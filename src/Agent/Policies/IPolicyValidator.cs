using CiliumL7.Policy.Api;
using YamlDotNet.RepresentationModel;

namespace CiliumL7.Agent.Policies;

/// <summary>Full validation of a policy resource (every error at once, each naming file, resource and field).</summary>
internal interface IPolicyValidator
{
    /// <summary>
    /// Validates one resource: <paramref name="root"/> is its document as read from
    /// <paramref name="source"/> (line numbers of that text). Returns every error (empty when
    /// valid) and the resources read, which the policy engine uses as they are.
    /// </summary>
    (IReadOnlyList<string> Errors, IReadOnlyList<PolicyResource> Resources) Validate(YamlNode root, string source);
}
