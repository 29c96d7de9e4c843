using CiliumL7.Hubble.Api;

namespace CiliumL7.Hubble.Export;

/// <summary>Settings of the JSON-lines flow export file (Hubble's exporter: hubble-export-file-*).</summary>
public sealed class FlowExportOptions
{
    /// <summary>The file flows are appended to, e.g. /var/run/ciliuml7/hubble/events.log.</summary>
    public required string FilePath { get; init; }

    /// <summary>Rotate when the file would grow past this many bytes (Hubble's default is 10 MiB).</summary>
    public long MaxSizeBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>Rotated files kept as FilePath.1 (newest) … FilePath.N; 0 keeps none.</summary>
    public int MaxBackups { get; init; } = 5;

    /// <summary>Only flows matching one of these are written (empty: all).</summary>
    public IReadOnlyList<FlowFilter> AllowList { get; init; } = [];

    /// <summary>Flows matching one of these are not written.</summary>
    public IReadOnlyList<FlowFilter> DenyList { get; init; } = [];
}
