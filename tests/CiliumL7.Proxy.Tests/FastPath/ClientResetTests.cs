using System.Net.Sockets;
using System.Text;
using CiliumL7.Proxy.Tests.Support;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Proxy.Tests.FastPath;

/// <summary>A client resetting its connection is normal: counted, logged at debug, never a stack trace at error.</summary>
public sealed class ClientResetTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ClientReset_MidHead_NoErrorLogAndCountedOnFastPath(bool fastPath)
    {
        var logs = new RecordingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, TestPolicy.Allow(TestPolicy.Rule()), new ProxyOptions { Http1FastPath = fastPath }, loggerFactory: factory);

        for (var i = 0; i < 5; i++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(proxy.EndPoint);
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET /a HTTP/1.1\r\nHost: a\r\nX-Partial: "));
            await Task.Delay(50); // the proxy is inside the head read when the reset arrives
            socket.LingerState = new LingerOption(true, 0); // close = RST
            socket.Close();
        }

        // The proxy still serves, and nobody logged the resets as failures.
        var raw = await RawHttp.SendAsync(proxy.EndPoint, "GET /a HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        Assert.Equal([200], RawHttp.StatusCodes(raw));
        await Task.Delay(200); // let the last reset be handled before looking at the logs
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Warning);
        if (fastPath)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (proxy.Proxy.Runtime.ClientResets < 1 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
            Assert.InRange(proxy.Proxy.Runtime.ClientResets, 1, 5); // a reset racing the first read can end the read quietly instead
        }
        Assert.Equal(0, backend.Requests.Count(r => r.Target == "/a" && r.Headers.Any(h => h.Key == "X-Partial")));
    }
}
