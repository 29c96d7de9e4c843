using System.Text;
using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Export;

namespace CiliumL7.Hubble.Printer;

/// <summary>
/// Prints GetFlows responses the way <c>hubble observe</c> does, in one of
/// the <see cref="OutputFormat"/>s. Table output is aligned when
/// <see cref="Flush"/> runs (hubble's tabwriter does the same).
/// </summary>
public sealed class FlowPrinter
{
    private const string DictSeparator = "------------";

    private readonly TextWriter _output;
    private readonly TextWriter _errors;
    private readonly OutputFormat _format;
    private readonly List<string[]> _table = [];
    private int _lines;

    /// <summary>Prints flows to <paramref name="output"/>, notices (lost events) to <paramref name="errors"/>.</summary>
    public FlowPrinter(TextWriter output, TextWriter errors, OutputFormat format)
    {
        _output = output;
        _errors = errors;
        _format = format;
    }

    /// <summary>Parses an <c>-o</c> value: compact, json (jsonpb), table, dict.</summary>
    public static OutputFormat ParseFormat(string value) => value.ToLowerInvariant() switch
    {
        "compact" => OutputFormat.Compact,
        "json" or "jsonpb" => OutputFormat.Json,
        "table" or "tab" => OutputFormat.Table,
        "dict" => OutputFormat.Dict,
        _ => throw new ArgumentException($"invalid output format \"{value}\" (want compact, json, table or dict)"),
    };

    /// <summary>Prints one response (a flow, or a lost-events notice).</summary>
    public void Write(GetFlowsResponse response)
    {
        switch (response.ResponseTypesCase)
        {
            case GetFlowsResponse.ResponseTypesOneofCase.Flow:
                WriteFlow(response);
                break;
            case GetFlowsResponse.ResponseTypesOneofCase.LostEvents:
                if (_format == OutputFormat.Json)
                {
                    _output.Write(FlowExporter.FormatLine(response) + "\n");
                }
                else
                {
                    var lost = response.LostEvents;
                    _errors.Write($"{FlowFormat.Timestamp(response.Time)} [{response.NodeName}]: EVENTS LOST: {Flows.ProtoEnumName<LostEventSource>.Of(lost.Source)} {lost.NumEventsLost}\n");
                }
                break;
            case GetFlowsResponse.ResponseTypesOneofCase.NodeStatus:
                // Only Hubble Relay sends these: from now on each flow line names its node.
                PrintNodeName = true;
                if (_format == OutputFormat.Json)
                {
                    _output.Write(FlowExporter.FormatLine(response) + "\n");
                }
                else
                {
                    var status = response.NodeStatus;
                    _errors.Write($"{FlowFormat.Timestamp(response.Time)}: {Flows.ProtoEnumName<NodeState>.Of(status.StateChange)}: {string.Join(", ", status.NodeNames)}{(status.Message.Length > 0 ? " (" + status.Message + ")" : "")}\n");
                }
                break;
            case GetFlowsResponse.ResponseTypesOneofCase.None:
                break;
        }
    }

    /// <summary>
    /// Prefix compact lines with " [node]" (after the time) and add a NODE column to tables, as
    /// <c>hubble observe --print-node-name</c> does. Turned on by the first node status event (flows from a relay).
    /// </summary>
    public bool PrintNodeName { get; set; }

    /// <summary>Writes buffered table rows, aligned.</summary>
    public void Flush()
    {
        if (_table.Count > 0)
        {
            WriteTable(_table);
            _table.Clear();
        }
        _output.Flush();
    }

    private void WriteFlow(GetFlowsResponse response)
    {
        var flow = response.Flow;
        switch (_format)
        {
            case OutputFormat.Json:
                _output.Write(FlowExporter.FormatLine(response) + "\n");
                break;
            case OutputFormat.Compact:
                _output.Write((PrintNodeName ? CompactLine(flow, response.NodeName) : CompactLine(flow)) + "\n");
                break;
            case OutputFormat.Table:
                if (_table.Count == 0 && _lines == 0)
                {
                    _table.Add(PrintNodeName
                        ? ["TIMESTAMP", "NODE", "SOURCE", "DESTINATION", "TYPE", "VERDICT", "SUMMARY"]
                        : ["TIMESTAMP", "SOURCE", "DESTINATION", "TYPE", "VERDICT", "SUMMARY"]);
                }
                var (src, dst) = FlowFormat.HostNames(flow);
                _table.Add(PrintNodeName && _table[0].Length == 7
                    ? [FlowFormat.Timestamp(flow.Time), response.NodeName, src, dst, FlowFormat.FlowTypeName(flow), FlowFormat.VerdictName(flow), FlowFormat.Summary(flow)]
                    : [FlowFormat.Timestamp(flow.Time), src, dst, FlowFormat.FlowTypeName(flow), FlowFormat.VerdictName(flow), FlowFormat.Summary(flow)]);
                break;
            case OutputFormat.Dict:
                var (source, destination) = FlowFormat.HostNames(flow);
                var sb = new StringBuilder();
                if (_lines > 0)
                {
                    sb.Append(DictSeparator).Append('\n');
                }
                sb.Append("  TIMESTAMP: ").Append(FlowFormat.Timestamp(flow.Time)).Append('\n')
                  .Append("     SOURCE: ").Append(source).Append('\n')
                  .Append("DESTINATION: ").Append(destination).Append('\n')
                  .Append("       TYPE: ").Append(FlowFormat.FlowTypeName(flow)).Append('\n')
                  .Append("    VERDICT: ").Append(FlowFormat.VerdictName(flow)).Append('\n')
                  .Append("    SUMMARY: ").Append(FlowFormat.Summary(flow)).Append('\n');
                _output.Write(sb.ToString());
                break;
        }
        _lines++;
    }

    /// <summary>
    /// hubble's compact line: "Apr  5 21:03:15.919: default/tiefighter:44396 (ID:25698) -&gt;
    /// default/deathstar-…:80 (ID:6822) http-request DROPPED (HTTP/1.1 PUT http://…)".
    /// Replies flip the sides and use "&lt;-"; flows of unknown direction use "&lt;&gt;".
    /// </summary>
    public static string CompactLine(Flow flow) => CompactLine(flow, null);

    /// <summary>As <see cref="CompactLine(Flow)"/>, with " [node]" after the time when <paramref name="node"/> is given.</summary>
    public static string CompactLine(Flow flow, string? node)
    {
        var (src, dst) = FlowFormat.HostNames(flow);
        var srcIdentity = FlowFormat.Identity(flow.Source?.Identity ?? 0);
        var dstIdentity = FlowFormat.Identity(flow.Destination?.Identity ?? 0);
        var arrow = "->";
        if (flow.IsReply is null)
        {
            arrow = "<>";
        }
        else if (flow.IsReply.Value)
        {
            (src, dst) = (dst, src);
            (srcIdentity, dstIdentity) = (dstIdentity, srcIdentity);
            arrow = "<-";
        }
        var nodePart = node is null ? "" : $" [{(node.Length > 0 ? node : flow.NodeName)}]";
        return $"{FlowFormat.Timestamp(flow.Time)}{nodePart}: {src} {srcIdentity} {arrow} {dst} {dstIdentity} {FlowFormat.FlowTypeName(flow)} {FlowFormat.VerdictName(flow)} ({FlowFormat.Summary(flow)})";
    }

    /// <summary>Go tabwriter(minwidth 2, padding 3): each column padded to its widest cell + 3; the last is not padded.</summary>
    private void WriteTable(List<string[]> rows)
    {
        var columns = rows[0].Length;
        var widths = new int[columns];
        foreach (var row in rows)
        {
            for (var c = 0; c < columns - 1; c++)
            {
                widths[c] = Math.Max(widths[c], Math.Max(row[c].Length + 3, 2));
            }
        }
        var sb = new StringBuilder();
        foreach (var row in rows)
        {
            for (var c = 0; c < columns - 1; c++)
            {
                sb.Append(row[c].PadRight(widths[c]));
            }
            sb.Append(row[^1]).Append('\n');
        }
        _output.Write(sb.ToString());
    }
}
