namespace CiliumL7.Policy.Api.Limits;

/// <summary>A YAML text over one of the <see cref="InputLimits"/>; the message names the limit, the value found and the fix.</summary>
public sealed class YamlInputLimitException : Exception
{
    /// <summary>Creates the exception with the message to report.</summary>
    public YamlInputLimitException(string message)
        : base(message)
    {
    }
}
