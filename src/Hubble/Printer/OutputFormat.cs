namespace CiliumL7.Hubble.Printer;

/// <summary>The <c>observe -o</c> formats, as hubble names them.</summary>
public enum OutputFormat
{
    /// <summary>One line per flow: time, src (identity) arrow dst (identity), type, verdict, (summary).</summary>
    Compact,

    /// <summary>One protojson GetFlowsResponse per line (proto field names, enum names).</summary>
    Json,

    /// <summary>Aligned columns TIMESTAMP SOURCE DESTINATION TYPE VERDICT SUMMARY.</summary>
    Table,

    /// <summary>Key: value blocks separated by dashes.</summary>
    Dict,
}
