namespace CiliumL7.Agent.Policies;

/// <summary>Full validation of a policy source (every error at once, each naming file, resource and field).</summary>
internal interface IPolicyValidator
{
    /// <summary>Validates <paramref name="text"/> read from <paramref name="source"/>; empty when valid.</summary>
    IReadOnlyList<string> Validate(string text, string source);
}
