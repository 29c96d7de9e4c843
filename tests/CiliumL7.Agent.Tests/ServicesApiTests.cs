using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using CiliumL7.Agent.Services;
using CiliumL7.Cli;
using CiliumL7.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace CiliumL7.Agent.Tests;

/// <summary>ServiceApi on a real Kestrel unix socket, driven by the CLI's client and table.</summary>
#pragma warning disable CA1001 // disposed in DisposeAsync (xunit's IAsyncLifetime)
public sealed class ServicesApiTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cl7svc-api").FullName;
    private readonly ServiceManager _manager = new(IPNetwork.Parse(ServiceManager.DefaultServiceCidr));
    private WebApplication? _app;

    private string Socket => Path.Combine(_dir, "agent.sock");

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(o => o.ListenUnixSocket(Socket));
        _app = builder.Build();
        ServiceApi.Map(_app, _manager);
        await _app.StartAsync();
        _manager.OnEndpointsChanged(
        [
            (11u, "default", new Dictionary<string, string> { ["k8s:class"] = "deathstar" }, IPAddress.Parse("10.244.0.11")),
            (12u, "default", new Dictionary<string, string> { ["k8s:class"] = "deathstar" }, IPAddress.Parse("10.244.0.12")),
        ]);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        _manager.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task PutThenList_DeathstarService_CliTableShowsFrontendAndBothBackends()
    {
        using var http = Client();
        var put = await http.PutAsJsonAsync("v1/service", new
        {
            name = "deathstar",
            vip = "10.96.0.10",
            ports = new[] { new { port = 80 } },
            selector = new Dictionary<string, string> { ["class"] = "deathstar" },
        });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        using var cli = new AgentClient(AgentClient.ResolveSocketPath("unix://" + Socket));
        var list = await cli.ListServicesAsync(CancellationToken.None);
        var table = ServiceTable.Render(list).Split('\n');
        Assert.Equal(["ID", "FRONTEND", "SERVICE", "TYPE", "BACKEND", "NAME"], table[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["1", "10.96.0.10:80/TCP", "ClusterIP", "1", "=>", "10.244.0.11:80/TCP", "(active)", "default/deathstar"], table[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["2", "=>", "10.244.0.12:80/TCP", "(active)"], table[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("10.96.0.10", list[0].GetProperty("vip").GetString());
    }

    [Fact]
    public async Task Put_InvalidSpec_Returns400WithEveryError()
    {
        using var http = Client();
        var put = await http.PutAsJsonAsync("v1/service", new { name = "Bad_Name", ports = new[] { new { port = 70000 } } });
        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        var error = (await put.Content.ReadFromJsonAsync<ServiceApi.ErrorBody>())!.Error;
        Assert.Contains("name: \"Bad_Name\"", error, StringComparison.Ordinal);
        Assert.Contains("ports[0].port: 70000", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAndDelete_UnknownThenKnown_404Then204()
    {
        using var http = Client();
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("v1/service/default/nope")).StatusCode);
        _manager.Upsert(new ServiceSpec { Name = "x", Ports = [new ServicePort { Port = 53, Protocol = "UDP" }] });
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("v1/service/default/x")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync("v1/service/default/x")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync("v1/service/default/x")).StatusCode);
    }

    [Fact]
    public async Task List_AgentNotRunning_ErrorNamesTheSocket()
    {
        using var cli = new AgentClient(Path.Combine(_dir, "missing.sock"));
        var e = await Assert.ThrowsAsync<AgentUnavailableException>(() => cli.ListServicesAsync(CancellationToken.None));
        Assert.Contains("missing.sock", e.Message, StringComparison.Ordinal);
        Assert.Contains("is ciliuml7-agent running?", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CliCreateThenDelete_AgainstAgentSocket_ChangesTheManager()
    {
        Assert.Equal(0, await Cli("service", "create", "deathstar", "-H", "unix://" + Socket, "--port", "80:8080", "53/udp", "--selector", "class=deathstar"));
        var info = _manager.Get("default", "deathstar")!;
        Assert.Equal(["TCP", "UDP"], info.Frontends.Select(f => f.Protocol));
        Assert.Equal([8080, 8080], info.Frontends[0].Backends.Select(b => b.Port));
        Assert.Equal([53, 53], info.Frontends[1].Backends.Select(b => b.Port));

        Assert.Equal(0, await Cli("service", "list", "-H", "unix://" + Socket, "-o", "json"));
        Assert.Equal(0, await Cli("service", "delete", "deathstar", "-H", "unix://" + Socket));
        Assert.Null(_manager.Get("default", "deathstar"));
        Assert.Equal(1, await Cli("service", "delete", "deathstar", "-H", "unix://" + Socket));
        Assert.Equal(2, await Cli("service", "create", "x", "-H", "unix://" + Socket, "--port", "eighty", "--selector", "a=b"));
    }

    private static Task<int> Cli(params string[] args)
    {
        var root = new System.CommandLine.RootCommand();
        root.Subcommands.Add(ServiceCommands.Create());
        return root.Parse(args).InvokeAsync();
    }

    private HttpClient Client()
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var s = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await s.ConnectAsync(new UnixDomainSocketEndPoint(Socket), ct);
                return new NetworkStream(s, ownsSocket: true);
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri("http://agent/") };
    }
}
