using System.Globalization;
using System.Xml;
using CiliumL7.Connectivity.Running;

namespace CiliumL7.Connectivity.Reporting;

/// <summary><c>--junit-file</c>: one testsuite, a testcase per test (failure with the failed actions, skipped with the reason).</summary>
public static class JunitWriter
{
    public static void Write(string path, RunReport report)
    {
        var settings = new XmlWriterSettings { Indent = true };
        using var xml = XmlWriter.Create(path, settings);
        xml.WriteStartDocument();
        xml.WriteStartElement("testsuites");
        xml.WriteStartElement("testsuite");
        xml.WriteAttributeString("name", "connectivity test");
        xml.WriteAttributeString("tests", report.Tests.Count.ToString(CultureInfo.InvariantCulture));
        xml.WriteAttributeString("failures", report.Failed.ToString(CultureInfo.InvariantCulture));
        xml.WriteAttributeString("skipped", report.Skipped.ToString(CultureInfo.InvariantCulture));
        xml.WriteAttributeString("time", report.Duration.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture));
        foreach (var test in report.Tests)
        {
            xml.WriteStartElement("testcase");
            xml.WriteAttributeString("name", test.Test.Name);
            xml.WriteAttributeString("classname", "connectivity-test");
            xml.WriteAttributeString("time", test.Duration.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture));
            if (test.Skipped)
            {
                xml.WriteStartElement("skipped");
                xml.WriteAttributeString("message", test.SkipReason);
                xml.WriteEndElement();
            }
            else if (!test.Passed)
            {
                xml.WriteStartElement("failure");
                var failed = test.Actions.Where(a => !a.Passed).ToList();
                xml.WriteAttributeString("message", test.Error ?? $"{failed.Count}/{test.Actions.Count} actions failed");
                foreach (var a in failed)
                {
                    xml.WriteString($"{a.Action.Name}: {string.Join("; ", a.Failures)}\ncommand: {a.Command}\nflows:\n  {string.Join("\n  ", a.Flows)}\n");
                }
                xml.WriteEndElement();
            }
            xml.WriteEndElement();
        }
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndDocument();
    }
}
