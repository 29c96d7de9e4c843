using CiliumL7.Policy.L7;

namespace CiliumL7.Policy.Tracing;

/// <summary>An HTTP request for a trace (also a plain <see cref="IHttpRequestFacts"/> for tests and tools).</summary>
public sealed class TraceHttpRequest : IHttpRequestFacts
{
    private readonly Dictionary<string, string> _headers = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Creates a request; <paramref name="headers"/> are <c>"Name: value"</c> lines.</summary>
    public TraceHttpRequest(string method, string pathAndQuery, string? host = null, IEnumerable<string>? headers = null)
    {
        Method = method;
        PathAndQuery = pathAndQuery;
        Host = NormalizeHost(host ?? "");
        foreach (var line in headers ?? [])
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = (colon < 0 ? line : line[..colon]).Trim();
            var value = colon < 0 ? "" : line[(colon + 1)..].Trim();
            _headers[name] = _headers.TryGetValue(name, out var existing) ? existing + "," + value : value;
        }
        if (host is not null)
        {
            _headers.TryAdd("Host", host);
        }
    }

    /// <inheritdoc />
    public string Method { get; }

    /// <inheritdoc />
    public string PathAndQuery { get; }

    /// <inheritdoc />
    public string Host { get; }

    /// <inheritdoc />
    public bool TryGetHeader(string name, out string value) => _headers.TryGetValue(name, out value!);

    /// <summary>Lower-cases a host and removes the port and a trailing dot (the form host rules match).</summary>
    public static string NormalizeHost(string host)
    {
        var h = host.Trim().ToLowerInvariant();
        if (h.StartsWith('['))
        {
            var end = h.IndexOf(']', StringComparison.Ordinal);
            return end > 0 ? h[..(end + 1)] : h;
        }
        var colon = h.LastIndexOf(':');
        if (colon >= 0 && h.IndexOf(':', StringComparison.Ordinal) == colon)
        {
            h = h[..colon];
        }
        return h.TrimEnd('.');
    }

    /// <inheritdoc />
    public override string ToString() => Method + " " + (Host.Length > 0 ? "http://" + Host : "") + PathAndQuery;
}
