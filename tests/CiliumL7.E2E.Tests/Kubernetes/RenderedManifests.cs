using System.Diagnostics;
using CiliumL7.TestSupport;
using YamlDotNet.RepresentationModel;

namespace CiliumL7.E2E.Tests.Kubernetes;

/// <summary>
/// <c>kubectl kustomize deploy/kubernetes</c>, parsed: the objects a user would apply,
/// read with small helpers for the fields the tests look at.
/// </summary>
internal sealed class RenderedManifests
{
    public RenderedManifests(string yaml)
    {
        Yaml = yaml;
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        Objects = stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
    }

    public string Yaml { get; }

    public IReadOnlyList<YamlMappingNode> Objects { get; }

    public static RenderedManifests Render()
    {
        var psi = new ProcessStartInfo("kubectl", ["kustomize", RepoPaths.Combine("deploy", "kubernetes")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("kubectl kustomize did not finish in 60 s");
        }
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException("kubectl kustomize deploy/kubernetes failed: " + stderr.Result);
        }
        return new RenderedManifests(stdout.Result);
    }

    public YamlMappingNode Get(string kind, string name) =>
        Objects.Single(o => Str(o, "kind") == kind && Str(o, "metadata", "name") == name);

    public IEnumerable<YamlMappingNode> OfKind(string kind) => Objects.Where(o => Str(o, "kind") == kind);

    public static YamlNode? Node(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var next))
            {
                return null;
            }
            node = next;
        }
        return node;
    }

    public static string? Str(YamlNode node, params string[] path) => (Node(node, path) as YamlScalarNode)?.Value;

    public static IReadOnlyList<YamlNode> Seq(YamlNode node, params string[] path) =>
        Node(node, path) is YamlSequenceNode s ? s.Children.ToList() : [];

    public static IReadOnlyDictionary<string, string> Map(YamlNode node, params string[] path) =>
        Node(node, path) is YamlMappingNode m
            ? m.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => (kv.Value as YamlScalarNode)?.Value ?? "")
            : new Dictionary<string, string>();
}
