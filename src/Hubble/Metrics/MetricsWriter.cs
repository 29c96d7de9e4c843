using System.Globalization;

namespace CiliumL7.Hubble.Metrics;

/// <summary>Writes Prometheus text exposition format 0.0.4.</summary>
public sealed class MetricsWriter
{
    private readonly TextWriter _output;

    /// <summary>Writes to <paramref name="output"/>.</summary>
    public MetricsWriter(TextWriter output) => _output = output;

    /// <summary>Writes the <c># HELP</c> and <c># TYPE</c> lines of a family (type: counter, gauge, histogram).</summary>
    public void WriteHeader(string name, string help, string type)
    {
        _output.Write("# HELP ");
        _output.Write(name);
        _output.Write(' ');
        _output.Write(help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal));
        _output.Write("\n# TYPE ");
        _output.Write(name);
        _output.Write(' ');
        _output.Write(type);
        _output.Write('\n');
    }

    /// <summary>Writes one sample line; <paramref name="labelNames"/> and <paramref name="labelValues"/> pair up.</summary>
    public void WriteSample(string name, ReadOnlySpan<string> labelNames, ReadOnlySpan<string> labelValues, double value)
    {
        _output.Write(name);
        if (labelNames.Length > 0)
        {
            _output.Write('{');
            for (var i = 0; i < labelNames.Length; i++)
            {
                if (i > 0)
                {
                    _output.Write(',');
                }
                _output.Write(labelNames[i]);
                _output.Write("=\"");
                WriteEscaped(labelValues[i]);
                _output.Write('"');
            }
            _output.Write('}');
        }
        _output.Write(' ');
        _output.Write(FormatValue(value));
        _output.Write('\n');
    }

    /// <summary>Writes a family with one unlabeled sample (a convenience for sources).</summary>
    public void WriteSingle(string name, string help, string type, double value)
    {
        WriteHeader(name, help, type);
        WriteSample(name, [], [], value);
    }

    /// <summary>Formats a sample value the way Prometheus parses it (+Inf, -Inf, NaN).</summary>
    public static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private void WriteEscaped(string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\':
                    _output.Write("\\\\");
                    break;
                case '"':
                    _output.Write("\\\"");
                    break;
                case '\n':
                    _output.Write("\\n");
                    break;
                default:
                    _output.Write(c);
                    break;
            }
        }
    }
}
