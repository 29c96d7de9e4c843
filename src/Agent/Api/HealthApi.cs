using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CiliumL7.Agent.Api;

/// <summary>
/// <c>GET /healthz</c> on the loopback health port (<c>--agent-health-port</c>): 200 while
/// the datapath enforces (state Ok or Warning), 503 with the reason otherwise. The port
/// serves nothing else: the REST API stays on the unix socket, whose file mode guards it.
/// </summary>
internal static class HealthApi
{
    public static void Map(WebApplication app, AgentContext agent, int port)
    {
        app.Use(async (http, next) =>
        {
            if (http.Connection.LocalPort == port && http.Connection.LocalIpAddress is { } local && IPAddress.IsLoopback(local))
            {
                if (!HttpMethods.IsGet(http.Request.Method) || http.Request.Path != "/healthz")
                {
                    http.Response.StatusCode = StatusCodes.Status404NotFound;
                    await http.Response.WriteAsync("only GET /healthz is served on the health port; the API is on the agent's unix socket\n").ConfigureAwait(false);
                    return;
                }
                var datapath = agent.Datapath.Status();
                var healthy = datapath.State is "Ok" or "Warning";
                http.Response.StatusCode = healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
                http.Response.ContentType = "text/plain";
                await http.Response.WriteAsync(healthy ? "ok\n" : $"datapath {datapath.State}: {datapath.Message}\n").ConfigureAwait(false);
                return;
            }
            await next(http).ConfigureAwait(false);
        });
    }
}
