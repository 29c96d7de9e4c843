using System.Text;
using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Filters;
using CiliumL7.Hubble.Logging;
using CiliumL7.Hubble.Ring;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CiliumL7.Hubble.Export;

/// <summary>
/// Appends flows to a file as JSON lines, one
/// <c>{"flow":{…},"node_name":…,"time":…}</c> per flow (protojson, proto field
/// names, enums as names: what <c>hubble observe -o json</c> prints), with
/// size-based rotation and allow/deny filters.
/// </summary>
/// <remarks>
/// The exporter follows the ring on its own task, so publishing never waits
/// for the disk. If it falls behind, it writes a <c>lost_events</c> line with
/// the exact count and logs a warning.
/// </remarks>
public sealed class FlowExporter : IAsyncDisposable
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true).WithFormatEnumsAsIntegers(false));

    private readonly FlowExportOptions _options;
    private readonly FlowRing _ring;
    private readonly string _nodeName;
    private readonly FlowFilterSet _filters;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task? _task;
    private FileStream? _file;
    private long _exported;
    private long _lost;
    private long _position;

    /// <summary>Creates an exporter of <paramref name="ring"/>'s flows; call <see cref="Start()"/>.</summary>
    public FlowExporter(FlowExportOptions options, FlowRing ring, string nodeName, ILogger? logger = null)
    {
        _options = options;
        _ring = ring;
        _nodeName = nodeName;
        _filters = FlowFilterSet.Compile(options.AllowList, options.DenyList);
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Flows written so far.</summary>
    public long ExportedFlows => Interlocked.Read(ref _exported);

    /// <summary>Flows the exporter missed because the ring overwrote them first.</summary>
    public long LostFlows => Interlocked.Read(ref _lost);

    /// <summary>Ring position the exporter has processed up to (for tests and status).</summary>
    public long Position
    {
        get => Interlocked.Read(ref _position);
        private set => Interlocked.Exchange(ref _position, value);
    }

    /// <summary>
    /// Formats one response exactly as an export line (without the newline): compact protojson,
    /// as hubble prints it (<c>{"flow":{"time":"…","verdict":"DROPPED",…},"node_name":"…","time":"…"}</c>).
    /// </summary>
    public static string FormatLine(GetFlowsResponse response) => Compact(Json.Format(response));

    /// <summary>Removes the whitespace Google.Protobuf's formatter puts between tokens (strings untouched).</summary>
    internal static string Compact(string json)
    {
        var sb = new StringBuilder(json.Length);
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var c = json[i];
            if (inString)
            {
                sb.Append(c);
                if (c == '\\' && i + 1 < json.Length)
                {
                    sb.Append(json[++i]);
                }
                else if (c == '"')
                {
                    inString = false;
                }
            }
            else if (c == '"')
            {
                inString = true;
                sb.Append(c);
            }
            else if (!char.IsWhiteSpace(c))
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    /// <summary>Starts following the ring from its current head.</summary>
    public void Start() => Start(_ring.SeenFlows);

    /// <summary>Starts following the ring from <paramref name="sequence"/> (tests: replay a backlog).</summary>
    internal void Start(long sequence)
    {
        if (_task is not null)
        {
            throw new InvalidOperationException("the flow exporter is already started");
        }
        var reader = _ring.CreateReader(sequence);
        Position = reader.Position;
        _task = Task.Run(() => RunAsync(reader, _stop.Token));
    }

    /// <summary>Writes what is already in the ring, then stops and closes the file.</summary>
    public async Task StopAsync()
    {
        if (_task is null)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        await _task.ConfigureAwait(false);
        _task = null;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task RunAsync(FlowRingReader reader, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                // Drain everything available, then flush once and wait.
                while (reader.TryRead(out var ringEvent))
                {
                    WriteEvent(ringEvent);
                    Position = reader.Position;
                }
                _file?.Flush();
                if (stop.IsCancellationRequested)
                {
                    return;
                }
                try
                {
                    await _ring.WaitAsync(reader.Position, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Drain once more on the next loop turn, then exit.
                }
            }
        }
        finally
        {
            _file?.Dispose();
            _file = null;
        }
    }

    private void WriteEvent(RingEvent ringEvent)
    {
        GetFlowsResponse response;
        if (ringEvent.Flow is { } flow)
        {
            if (!_filters.Matches(flow))
            {
                return;
            }
            response = new GetFlowsResponse { Flow = flow, NodeName = flow.NodeName.Length > 0 ? flow.NodeName : _nodeName, Time = flow.Time };
        }
        else
        {
            Interlocked.Add(ref _lost, ringEvent.Lost);
            Log.ExportLost(_logger, _options.FilePath, ringEvent.Lost);
            response = new GetFlowsResponse
            {
                LostEvents = new LostEvent { Source = LostEventSource.HubbleRingBuffer, NumEventsLost = (ulong)ringEvent.Lost },
                NodeName = _nodeName,
                Time = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            };
        }
        var line = Encoding.UTF8.GetBytes(FormatLine(response) + "\n");
        try
        {
            WriteLine(line);
            if (ringEvent.Flow is not null)
            {
                Interlocked.Increment(ref _exported);
            }
        }
        catch (IOException e)
        {
            Log.ExportFailed(_logger, _options.FilePath, e);
            _file?.Dispose();
            _file = null;
        }
    }

    private void WriteLine(byte[] line)
    {
        var file = _file ??= Open();
        if (file.Length > 0 && file.Length + line.Length > _options.MaxSizeBytes)
        {
            file.Dispose();
            _file = null;
            Rotate();
            file = _file = Open();
        }
        file.Write(line);
    }

    private FileStream Open()
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(_options.FilePath));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }
        return new FileStream(_options.FilePath, FileMode.Append, FileAccess.Write, FileShare.Read, 64 * 1024);
    }

    /// <summary>FilePath → FilePath.1, FilePath.1 → FilePath.2, …; the oldest beyond MaxBackups is deleted.</summary>
    private void Rotate()
    {
        var path = _options.FilePath;
        var keep = Math.Max(0, _options.MaxBackups);
        if (keep == 0)
        {
            File.Delete(path);
        }
        else
        {
            File.Delete($"{path}.{keep}");
            for (var i = keep - 1; i >= 1; i--)
            {
                if (File.Exists($"{path}.{i}"))
                {
                    File.Move($"{path}.{i}", $"{path}.{i + 1}");
                }
            }
            File.Move(path, path + ".1");
        }
        Log.ExportRotated(_logger, path);
    }
}
