using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CiliumL7.Agent.Tests.Support;

/// <summary>
/// Debian's chromium, headless, driven through its DevTools protocol over a WebSocket
/// (navigate, evaluate JavaScript, screenshot). A fresh profile per instance; the process
/// is killed by its PID and the profile removed on dispose.
/// </summary>
internal sealed partial class HeadlessChromium : IAsyncDisposable
{
    public const string Path = "/usr/bin/chromium";

    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private int _nextId;

    private HeadlessChromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    public static async Task<HeadlessChromium> StartAsync()
    {
        var profile = Directory.CreateTempSubdirectory("ciliuml7-chromium-").FullName;
        var psi = new ProcessStartInfo(Path) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile,
            "--remote-debugging-port=0", "--window-size=1400,900", "about:blank",
        })
        {
            psi.ArgumentList.Add(a);
        }
        var process = Process.Start(psi)!;
        var chromium = new HeadlessChromium(process, profile);
        try
        {
            var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is { } line && DevToolsRegex().Match(line) is { Success: true } m)
                {
                    listening.TrySetResult(m.Groups[1].Value);
                }
            };
            process.OutputDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            if (await Task.WhenAny(listening.Task, Task.Delay(TimeSpan.FromSeconds(30))) != listening.Task)
            {
                throw new InvalidOperationException("chromium did not print its DevTools address within 30s");
            }
            using var http = new HttpClient();
            var targets = JsonNode.Parse(await http.GetStringAsync($"http://{listening.Task.Result}/json/list"))!.AsArray();
            var page = targets.First(t => (string?)t!["type"] == "page")!;
            using (var connectTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                await chromium._socket.ConnectAsync(new Uri((string)page["webSocketDebuggerUrl"]!), connectTimeout.Token);
            }
            return chromium;
        }
        catch
        {
            await chromium.DisposeAsync();
            throw;
        }
    }

    public Task NavigateAsync(string url) => SendAsync("Page.navigate", new JsonObject { ["url"] = url });

    /// <summary>Evaluates <paramref name="expression"/> in the page and returns its JSON value.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true });
        if (result["exceptionDetails"] is { } error)
        {
            throw new InvalidOperationException("page script failed: " + error.ToJsonString());
        }
        return result["result"]?["value"];
    }

    /// <summary>Polls <paramref name="expression"/> until it returns something truthy-as-JSON (not null/false), bounded.</summary>
    public async Task<JsonNode?> WaitForAsync(string expression, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        JsonNode? value = null;
        while (DateTime.UtcNow < deadline)
        {
            value = await EvaluateAsync(expression);
            if (value is not null && value.ToJsonString() is not "false" and not "null" and not "\"\"")
            {
                return value;
            }
            await Task.Delay(250);
        }
        return value;
    }

    public async Task<byte[]> ScreenshotAsync()
    {
        var result = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" });
        return Convert.FromBase64String((string)result["data"]!);
    }

    private async Task<JsonNode> SendAsync(string method, JsonObject parameters)
    {
        var id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            using var frame = new MemoryStream();
            WebSocketReceiveResult r;
            do
            {
                r = await _socket.ReceiveAsync(buffer, timeout.Token);
                frame.Write(buffer, 0, r.Count);
            }
            while (!r.EndOfMessage);
            var reply = JsonNode.Parse(frame.ToArray())!;
            if ((int?)reply["id"] != id)
            {
                continue; // an event or an older reply
            }
            if (reply["error"] is { } error)
            {
                throw new InvalidOperationException($"{method}: {error.ToJsonString()}");
            }
            return reply["result"]!;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }
        _socket.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.WaitForExit(10_000);
        _process.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex(@"DevTools listening on ws://([^/]+)/")]
    private static partial Regex DevToolsRegex();
}
