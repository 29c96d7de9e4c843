using System.Text;
using System.Text.Json;
using CiliumL7.Client;
using CiliumL7.Policy.Api;
using CiliumL7.Proxy;
using CiliumL7.Proxy.Tests.Support;

namespace CiliumL7.Fuzz;

/// <summary>One fuzz target: a dictionary of interesting tokens and a run that returns a finding or null.</summary>
internal abstract class Targets : IAsyncDisposable
{
    public abstract IReadOnlyList<string> Dictionary { get; }

    public abstract Task<string?> RunAsync(byte[] input);

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public static async Task<Targets> CreateAsync(string name) => name switch
    {
        "policy-yaml" => new PolicyYaml(),
        "rest-json" => new RestJson(),
        "http1-diff" => await Http1Differential.StartAsync(),
        _ => throw new ArgumentException("unknown target " + name),
    };

    /// <summary>The policy reader: never throws, never echoes a value whole.</summary>
    private sealed class PolicyYaml : Targets
    {
        public override IReadOnlyList<string> Dictionary { get; } =
            ["[", "]", "{", "}", "&a ", "*a", "- ", ": ", "\n  ", "'", "\"", "!!str ", "---\n", "toPorts:", "rules:", "http:", "path: ", "(a{99}){99}", "\t", "\\u0000", "matchLabels:", "toFQDNs:", "dns:", "kafka:"];

        public override Task<string?> RunAsync(byte[] input)
        {
            var text = Encoding.UTF8.GetString(input);
            try
            {
                var result = PolicyParser.ParseText(text, "fuzz.yaml");
                foreach (var e in result.Errors)
                {
                    if (e.ToString().Length > 4_000)
                    {
                        return Task.FromResult<string?>($"error message of {e.ToString().Length} chars");
                    }
                }
                return Task.FromResult<string?>(null);
            }
            catch (Exception e)
            {
                return Task.FromResult<string?>(e.ToString().Split('\n').Take(6).Aggregate((a, b) => a + "\n" + b));
            }
        }
    }

    /// <summary>The REST API's JSON models: only JsonException may come out.</summary>
    private sealed class RestJson : Targets
    {
        public override IReadOnlyList<string> Dictionary { get; } =
            ["{", "}", "[", "]", "\"", ":", ",", "null", "true", "1e400", "-0", "\"containerId\"", "\"ifindex\"", "\"labels\"", "\\u0000", "\\ud800"];

        public override Task<string?> RunAsync(byte[] input)
        {
            try
            {
                _ = JsonSerializer.Deserialize(input, ClientJsonContext.Readable.EndpointCreateRequest);
            }
            catch (JsonException)
            {
            }
            catch (Exception e)
            {
                return Task.FromResult<string?>(e.GetType().Name + ": " + e.Message);
            }
            try
            {
                _ = JsonSerializer.Deserialize(input, ClientJsonContext.Readable.IpamAllocateRequest);
            }
            catch (JsonException)
            {
            }
            catch (Exception e)
            {
                return Task.FromResult<string?>(e.GetType().Name + ": " + e.Message);
            }
            return Task.FromResult<string?>(null);
        }
    }

    /// <summary>
    /// Differential: the same bytes to a proxy with the HTTP/1.1 fast path and to one without; the status codes
    /// and what each backend received (method, target, fields, body) must be the same.
    /// </summary>
    private sealed class Http1Differential : Targets
    {
        private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(250);
        private readonly RawRecordingBackend _fastBackend = new();
        private readonly RawRecordingBackend _kestrelBackend = new();
        private ProxyHarness _fast = null!;
        private ProxyHarness _kestrel = null!;

        public override IReadOnlyList<string> Dictionary { get; } =
            ["\r\n", "\n", "\r", " ", "\t", ":", ",", "Content-Length: ", "Transfer-Encoding: chunked\r\n", "chunked", "identity", "Host: a\r\n", "X-Token: ok\r\n", "X-Token:\r\n",
             "%2e", "%2f", "%00", "/../", "//", "?", "#", "HTTP/1.0", "HTTP/1.1", "Connection: close\r\n", "Expect: 100-continue\r\n", "0\r\n\r\n", "5\r\nhello\r\n"];

        public static async Task<Http1Differential> StartAsync()
        {
            var d = new Http1Differential();
            var policy = TestPolicy.Allow(TestPolicy.Rule("GET", "/allowed/.*"), TestPolicy.Rule("POST", "/upload", null, "X-Token: ok"));
            d._fast = await ProxyHarness.StartAsync(d._fastBackend.EndPoint, policy, new ProxyOptions { Http1FastPath = true });
            d._kestrel = await ProxyHarness.StartAsync(d._kestrelBackend.EndPoint, policy, new ProxyOptions { Http1FastPath = false });
            return d;
        }

        public override async Task<string?> RunAsync(byte[] input)
        {
            var text = Encoding.Latin1.GetString(input);
            if (text.Contains("Content-Length: +", StringComparison.OrdinalIgnoreCase) || text.Contains("Content-Length: -", StringComparison.OrdinalIgnoreCase))
            {
                return null; // documented: the fast path refuses a signed length, Kestrel reads it as a number first
            }
            var before = (_fastBackend.Requests.Count, _kestrelBackend.Requests.Count);
            var fast = RawHttp.StatusCodes(Encoding.Latin1.GetString(await RawHttp.SendBytesAsync(_fast.EndPoint, input, Quiet)));
            var kestrel = RawHttp.StatusCodes(Encoding.Latin1.GetString(await RawHttp.SendBytesAsync(_kestrel.EndPoint, input, Quiet)));
            var fastForwarded = Describe(_fastBackend.Requests.Skip(before.Item1));
            var kestrelForwarded = Describe(_kestrelBackend.Requests.Skip(before.Item2));
            if (!fast.SequenceEqual(kestrel))
            {
                return $"status codes differ: fast path [{string.Join(",", fast)}], Kestrel [{string.Join(",", kestrel)}]";
            }
            return fastForwarded == kestrelForwarded ? null : $"forwarded requests differ:\nfast path: {fastForwarded}\nKestrel:   {kestrelForwarded}";
        }

        private static string Describe(IEnumerable<RecordedRequest> requests) => string.Join(" | ", requests.Select(r =>
            $"{r.Method} {r.Target} {string.Join(";", r.Headers.Where(h => !IsHopByHop(h.Key)).Select(h => h.Key.ToLowerInvariant() + "=" + h.Value).Order(StringComparer.Ordinal))} body={Convert.ToHexString(r.Body)}"));

        // Fields each path may add or drop by design (framing is rewritten, forwarding headers are added).
        private static bool IsHopByHop(string name) => name.ToLowerInvariant() is "connection" or "keep-alive" or "transfer-encoding" or "content-length" or "x-forwarded-for" or "x-forwarded-proto" or "x-forwarded-host" or "x-forwarded-prefix" or "traceparent" or "tracestate" or "request-context" or "request-id";

        public override async ValueTask DisposeAsync()
        {
            await _fast.DisposeAsync();
            await _kestrel.DisposeAsync();
            await _fastBackend.DisposeAsync();
            await _kestrelBackend.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
