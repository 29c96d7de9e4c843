using System.Text.Json;
using CiliumL7.Connectivity.Running;

namespace CiliumL7.Connectivity.Reporting;

/// <summary><c>-o json</c>: the whole report as one JSON document.</summary>
public static class JsonReportWriter
{
    public static void Write(Stream output, RunReport report)
    {
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteBoolean("success", report.Success);
        w.WriteNumber("tests", report.Ran);
        w.WriteNumber("failed", report.Failed);
        w.WriteNumber("skipped", report.Skipped);
        w.WriteNumber("actions", report.ActionCount);
        w.WriteNumber("failedActions", report.FailedActions);
        w.WriteNumber("durationSeconds", Math.Round(report.Duration.TotalSeconds, 3));
        w.WriteBoolean("interrupted", report.Cancelled);
        if (report.Error is not null)
        {
            w.WriteString("error", report.Error);
        }
        w.WriteString("summary", report.Summary);
        w.WriteStartArray("results");
        foreach (var t in report.Tests)
        {
            w.WriteStartObject();
            w.WriteString("name", t.Test.Name);
            w.WriteString("status", t.Skipped ? "skipped" : t.Passed ? "passed" : "failed");
            if (t.SkipReason is not null)
            {
                w.WriteString("skipReason", t.SkipReason);
            }
            if (t.Error is not null)
            {
                w.WriteString("error", t.Error);
            }
            w.WriteStartArray("actions");
            foreach (var a in t.Actions)
            {
                w.WriteStartObject();
                w.WriteString("name", a.Action.Name);
                w.WriteString("from", a.Action.From.ToString());
                w.WriteString("to", a.Action.To.ToString());
                w.WriteNumber("port", a.Action.Port);
                w.WriteString("method", a.Action.Request.Method);
                w.WriteString("path", a.Action.Request.Path);
                if (a.Action.Dns is { } dns)
                {
                    w.WriteString("dnsQuery", dns.Name);
                }
                if (a.Action.Kafka is { } kafka)
                {
                    w.WriteString("kafkaRole", kafka.Role.ToString().ToLowerInvariant());
                    w.WriteString("kafkaTopic", kafka.Topic);
                }
                w.WriteString("expect", a.Action.Expect.ToString());
                w.WriteString("command", a.Command);
                w.WriteNumber("exitCode", a.ExitCode);
                w.WriteNumber("httpCode", a.HttpCode);
                w.WriteBoolean("passed", a.Passed);
                WriteStrings(w, "failures", a.Failures);
                WriteStrings(w, "warnings", a.Warnings);
                WriteStrings(w, "flows", a.Flows);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }
        w.WriteEndArray();
    }
}
