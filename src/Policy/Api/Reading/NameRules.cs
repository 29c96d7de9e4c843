using System.Text.RegularExpressions;

namespace CiliumL7.Policy.Api.Reading;

/// <summary>The syntax rules for names found in manifests (Kubernetes label keys/values, DNS names, service port names).</summary>
internal static partial class NameRules
{
    /// <summary>Explains why a label key (optionally <c>source:</c>-prefixed) is invalid, or null when valid.</summary>
    public static string? CheckLabelKey(string key)
    {
        var colon = key.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0)
        {
            var source = key[..colon];
            if (!SourceRegex().IsMatch(source))
            {
                return "has an invalid source prefix " + DocumentContext.Quote(source) + " (use k8s:, any:, reserved:, ...).";
            }
            key = key[(colon + 1)..];
        }
        var slash = key.LastIndexOf('/');
        var name = slash < 0 ? key : key[(slash + 1)..];
        if (slash >= 0)
        {
            var prefix = key[..slash];
            if (prefix.Length is 0 or > 253 || !DnsSubdomainRegex().IsMatch(prefix))
            {
                return "is not a valid label key: the prefix before '/' must be a DNS subdomain (lower case, ≤253 characters).";
            }
        }
        if (name.Length is 0 or > 63 || !QualifiedNameRegex().IsMatch(name))
        {
            return "is not a valid label key: the name must be 1-63 characters [A-Za-z0-9-_.], starting and ending with a letter or digit.";
        }
        return null;
    }

    /// <summary>Explains why a label value is invalid, or null when valid.</summary>
    public static string? CheckLabelValue(string value) =>
        value.Length == 0 || (value.Length <= 63 && QualifiedNameRegex().IsMatch(value))
            ? null
            : "is not a valid label value: at most 63 characters [A-Za-z0-9-_.], starting and ending with a letter or digit.";

    /// <summary>True for a Kubernetes object name (DNS subdomain).</summary>
    public static bool IsObjectName(string name) => name.Length is > 0 and <= 253 && DnsSubdomainRegex().IsMatch(name);

    /// <summary>True for an IANA service name usable as a named port.</summary>
    public static bool IsPortName(string name) =>
        name.Length is > 0 and <= 15 && PortNameRegex().IsMatch(name) && !name.Contains("--", StringComparison.Ordinal) && name.Any(char.IsAsciiLetter);

    /// <summary>DNS <c>matchName</c> characters.</summary>
    [GeneratedRegex(@"^[-a-zA-Z0-9_.]+$")]
    public static partial Regex DnsNameRegex();

    /// <summary>DNS <c>matchPattern</c> characters.</summary>
    [GeneratedRegex(@"^[-a-zA-Z0-9_.*]+$")]
    public static partial Regex DnsPatternRegex();

    /// <summary>Kafka topic characters.</summary>
    [GeneratedRegex(@"^[a-zA-Z0-9._-]+$")]
    public static partial Regex KafkaTopicRegex();

    /// <summary>HTTP header field-name (token) characters.</summary>
    [GeneratedRegex(@"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")]
    public static partial Regex HeaderNameRegex();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomainRegex();

    [GeneratedRegex(@"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")]
    private static partial Regex QualifiedNameRegex();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex PortNameRegex();

    [GeneratedRegex(@"^[a-z0-9-]+$")]
    private static partial Regex SourceRegex();
}
