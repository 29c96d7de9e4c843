using System.Text.Json.Nodes;
using CiliumL7.Hubble.Api;
using CiliumL7.Policy.Generation;
using CiliumL7.Policy.Identity;
using Google.Protobuf;
using Grpc.Core;

namespace CiliumL7.Hubble.Ui;

/// <summary>
/// The UI's "generate policy" for one workload: every flow the Observer still holds
/// (GetFlows, no follow), as Hubble JSON lines, through <see cref="PolicyGenerator"/>
/// (the same path as <c>ciliuml7 policy generate --from-flows --server … --verify</c>).
/// <code>
///   GET /api/generate?namespace=NS&amp;selector=k=v,k=v[&amp;l7=false]
///     → 200 {"yaml", "policies", "flows", "verify": [lines], "verified"}
///     → 400 {"error"} bad arguments; 404 {"error"} no flow of that workload; 502 {"error"} Observer unreachable
/// </code>
/// </summary>
internal static class UiPolicyGenerator
{
    /// <summary>Answers one request (see the type's summary).</summary>
    public static async Task<(int Status, JsonObject Body)> GenerateAsync(Observer.ObserverClient observer, string? ns, string? selector, string? l7,
        CancellationToken ct)
    {
        // :: Step 1: arguments, as policy generate takes them.
        if (string.IsNullOrWhiteSpace(selector))
        {
            return Error(400, "selector: give the workload's labels, k=v,k=v (the service map's node has them)");
        }
        var labels = new List<Label>();
        foreach (var part in selector.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!part.Contains('=', StringComparison.Ordinal))
            {
                return Error(400, "selector: \"" + part + "\" is not key=value");
            }
            labels.Add(Label.Parse(part, Label.SourceAny));
        }
        if (l7 is not (null or "true" or "false"))
        {
            return Error(400, "l7: \"" + l7 + "\" is not true or false");
        }
        var options = new GenerationOptions { Namespace = string.IsNullOrEmpty(ns) ? null : ns, Selector = labels, L7 = l7 != "false" };

        // :: Step 2: the flows the Observer holds, as JSON lines.
        var json = new JsonFormatter(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));
        var lines = new List<string>();
        try
        {
            using var call = observer.GetFlows(new GetFlowsRequest(), cancellationToken: ct);
            while (await call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
            {
                if (call.ResponseStream.Current.Flow is { } flow && lines.Count < HubbleFlowReader.MaxLines)
                {
                    lines.Add("{\"flow\":" + json.Format(flow) + "}");
                }
            }
        }
        catch (RpcException e) when (!ct.IsCancellationRequested)
        {
            return Error(502, "cannot read flows from the Observer: " + e.Status.Detail);
        }

        // :: Step 3: generate and verify.
        var (flows, errors) = HubbleFlowReader.Read(lines, "the Observer");
        if (errors.Count > 0)
        {
            return Error(502, errors.Count + " flow(s) could not be read: " + errors[0]);
        }
        var result = PolicyGenerator.Generate(flows, options);
        if (result.Policies.Count == 0)
        {
            return Error(404, "no flow from or to " + (ns is { Length: > 0 } ? ns + "/" : "") + selector + " in the " + flows.Count
                + " flow(s) the Observer holds: generate some traffic first (a policy must select the workload for its flows to be recorded, e.g. one imported with --audit)");
        }
        var report = GeneratedPolicyVerifier.Verify(result, options);
        var verify = new JsonArray();
        foreach (var line in report.Lines())
        {
            verify.Add(line);
        }
        return (200, new JsonObject
        {
            ["yaml"] = result.Yaml,
            ["policies"] = result.Policies.Count,
            ["flows"] = result.Used.Count,
            ["verified"] = report.Ok,
            ["verify"] = verify,
        });
    }

    private static (int, JsonObject) Error(int status, string message) => (status, new JsonObject { ["error"] = message });
}
