using YamlDotNet.RepresentationModel;

namespace CiliumL7.Policy.Api.Reading;

/// <summary>Where errors of one resource go, with the resource's identity for the message prefix.</summary>
internal sealed class DocumentContext(string source, List<PolicyError> errors)
{
    public string Source { get; } = source;

    public string Kind { get; set; } = "";

    public string? Namespace { get; set; }

    public string? Name { get; set; }

    public List<PolicyError> Errors { get; } = errors;

    public int ErrorCount { get; private set; }

    /// <summary>Reports a problem at <paramref name="node"/>; <paramref name="message"/> says what is wrong and how to fix it.</summary>
    public void Error(YamlNode? node, string path, string? value, string message)
    {
        ErrorCount++;
        Errors.Add(new PolicyError
        {
            Source = Source,
            Line = node is null ? 0 : (int)node.Start.Line,
            Kind = Kind,
            Namespace = Namespace,
            Name = Name,
            FieldPath = path,
            Value = value is null ? null : Limits.Echo.Truncate(value),
            Message = value is null ? message : Quote(value) + " " + message,
        });
    }

    /// <summary>Quotes a value for a message, JSON-style.</summary>
    public static string Quote(string value) =>
        "\"" + Limits.Echo.Truncate(value).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
}
