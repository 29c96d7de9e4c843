using CiliumL7.Policy.Api.Reading;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CiliumL7.Policy.Api;

/// <summary>
/// Parses and validates policy manifests (YAML or JSON; multi-document and
/// <c>kind: List</c>). Every problem is reported at once, each with file,
/// line, resource, field path, value and a fix:
/// <code>
///  text ──YamlStream (line numbers)──▶ ResourceReader ──▶ RuleReader / PeerRuleReader /
///        PortRuleReader / L7Reader / SelectorReader ──▶ PolicyResource | PolicyError
/// </code>
/// </summary>
public static class PolicyParser
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    /// <summary>Parses one file.</summary>
    public static PolicyParseResult ParseFile(string path)
    {
        string text;
        try
        {
            var length = new FileInfo(path).Length;
            if (length > Limits.InputLimits.MaxPolicyBytes)
            {
                return new PolicyParseResult
                {
                    Resources = [],
                    Errors = [new PolicyError { Source = path, Message = Limits.YamlInputGuard.TooLarge(length) }],
                };
            }
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new PolicyParseResult
            {
                Resources = [],
                Errors = [new PolicyError { Source = path, Message = "cannot be read: " + ex.Message }],
            };
        }
        return ParseText(text, path);
    }

    /// <summary>Parses manifest text; <paramref name="sourceName"/> prefixes every message.</summary>
    public static PolicyParseResult ParseText(string yaml, string sourceName)
    {
        var errors = new List<PolicyError>();
        var resources = new List<PolicyResource>();
        if (Limits.YamlInputGuard.CheckLength(yaml) is { } tooBig)
        {
            errors.Add(new PolicyError { Source = sourceName, Message = tooBig });
            return new PolicyParseResult { Resources = resources, Errors = errors };
        }
        var stream = new YamlStream();
        try
        {
            // Depth and alias limits are checked as the text is read, before the tree grows past them.
            stream.Load(new Limits.GuardedYamlParser(yaml));
        }
        catch (Limits.YamlInputLimitException ex)
        {
            errors.Add(new PolicyError { Source = sourceName, Message = ex.Message });
            return new PolicyParseResult { Resources = resources, Errors = errors };
        }
        catch (YamlException ex)
        {
            errors.Add(SyntaxError(sourceName, yaml, ex));
            return new PolicyParseResult { Resources = resources, Errors = errors };
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet's tree builder throws these on some malformed documents (found by make fuzz).
            errors.Add(new PolicyError { Source = sourceName, Message = "YAML syntax error the reader cannot place exactly (" + Limits.Echo.Truncate(ex.Message) + "); check quoting, brackets, tags and anchors." });
            return new PolicyParseResult { Resources = resources, Errors = errors };
        }
        foreach (var doc in stream.Documents)
        {
            if (doc.RootNode is null || YamlNodes.IsNull(doc.RootNode))
            {
                continue;
            }
            ResourceReader.Read(sourceName, doc.RootNode, errors, resources);
        }
        return new PolicyParseResult { Resources = resources, Errors = ByLine(errors) };
    }

    /// <summary>
    /// Reads one document the caller has already loaded as YAML (its root node, line numbers
    /// those of the text it came from): the same checks and messages as <see cref="ParseText"/>,
    /// without reading the text again.
    /// </summary>
    public static PolicyParseResult ParseDocument(YamlNode root, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(root);
        var errors = new List<PolicyError>();
        var resources = new List<PolicyResource>();
        if (!YamlNodes.IsNull(root))
        {
            ResourceReader.Read(sourceName, root, errors, resources);
        }
        return new PolicyParseResult { Resources = resources, Errors = ByLine(errors) };
    }

    private static List<PolicyError> ByLine(List<PolicyError> errors) =>
        errors.Select((e, i) => (e, i)).OrderBy(x => x.e.Line).ThenBy(x => x.i).Select(x => x.e).ToList();

    /// <summary>Parses files and directories (a directory contributes its *.yaml, *.yml and *.json files, sorted, not recursive).</summary>
    public static PolicyParseResult ParsePaths(IEnumerable<string> filesOrDirs)
    {
        var resources = new List<PolicyResource>();
        var errors = new List<PolicyError>();
        foreach (var path in filesOrDirs)
        {
            IEnumerable<string> files;
            if (Directory.Exists(path))
            {
                files = Directory.EnumerateFiles(path)
                    .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal);
            }
            else if (File.Exists(path))
            {
                files = [path];
            }
            else
            {
                errors.Add(new PolicyError { Source = path, Message = "no such file or directory." });
                continue;
            }
            foreach (var file in files)
            {
                var r = ParseFile(file);
                resources.AddRange(r.Resources);
                errors.AddRange(r.Errors);
            }
        }
        return new PolicyParseResult { Resources = resources, Errors = errors };
    }

    private static PolicyError SyntaxError(string source, string text, YamlException ex)
    {
        if (ex.Message.Contains("duplicate key", StringComparison.OrdinalIgnoreCase))
        {
            var key = ex.Message[(ex.Message.IndexOf("duplicate key", StringComparison.OrdinalIgnoreCase) + 13)..].Trim().TrimEnd('.');
            return new PolicyError
            {
                Source = source,
                Line = (int)ex.Start.Line,
                Message = "YAML error: the key " + Reading.DocumentContext.Quote(key) + " appears twice in the same mapping; keep one (YAML would silently keep only the last).",
            };
        }
        if (ex.Message.Contains("tab", StringComparison.OrdinalIgnoreCase))
        {
            // YamlDotNet points at the enclosing mapping; point at the tab instead.
            var lines = text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
                if (lines[i].AsSpan(0, indent).Contains('\t'))
                {
                    return new PolicyError
                    {
                        Source = source,
                        Line = i + 1,
                        Message = "YAML syntax error: a tab is used for indentation; YAML indents with spaces only.",
                    };
                }
            }
        }
        var message = ex.Message;
        var dash = message.IndexOf("): ", StringComparison.Ordinal);
        if (message.StartsWith('(') && dash > 0)
        {
            message = message[(dash + 3)..];
        }
        message = Limits.Echo.Truncate(message.TrimEnd('.')); // the reader's message quotes the input (an anchor name, a scalar)
        if (message.Length > 0)
        {
            message = char.ToLowerInvariant(message[0]) + message[1..];
        }
        return new PolicyError
        {
            Source = source,
            Line = (int)Math.Max(ex.Start.Line, ex.End.Line),
            Message = $"YAML syntax error at column {(ex.End.Line > ex.Start.Line ? ex.End.Column : ex.Start.Column)}: {message}; check the indentation of this line and the lines above it.",
        };
    }
}
