using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CiliumL7.Agent.Services;

/// <summary>
/// REST endpoints of the services, under the agent's <c>/v1</c> base:
/// <code>
///   GET    /v1/service                      → [ServiceInfo]
///   GET    /v1/service/datapath             → ServiceDatapathStatus (hooks, frontends in the maps)
///   GET    /v1/service/{namespace}/{name}   → ServiceInfo | 404
///   PUT    /v1/service                      ServiceSpec → ServiceInfo | 400 {"error": …}
///   DELETE /v1/service/{namespace}/{name}   → 204 | 404
/// </code>
/// Wire it with <c>ServiceApi.Map(app, serviceManager);</c>.
/// </summary>
public static class ServiceApi
{
    /// <summary>Maps the service endpoints onto <paramref name="routes"/>.</summary>
    public static IEndpointRouteBuilder Map(IEndpointRouteBuilder routes, ServiceManager services)
    {
        routes.MapGet("/v1/service", () => Results.Ok(services.List()));
        routes.MapGet("/v1/service/datapath", () => Results.Ok(services.DatapathStatus()));
        routes.MapGet("/v1/service/{namespace}/{name}", (string @namespace, string name) =>
            services.Get(@namespace, name) is { } info ? Results.Ok(info) : NotFound(@namespace, name));
        routes.MapPut("/v1/service", async (HttpRequest request) =>
        {
            ServiceSpec? spec;
            try
            {
                spec = await JsonSerializer.DeserializeAsync<ServiceSpec>(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            }
            catch (JsonException e)
            {
                return Results.BadRequest(new ErrorBody("service spec is not valid JSON: " + e.Message));
            }
            if (spec is null)
            {
                return Results.BadRequest(new ErrorBody("service spec is empty"));
            }
            try
            {
                return Results.Ok(services.Upsert(spec));
            }
            catch (ArgumentException e)
            {
                return Results.BadRequest(new ErrorBody(e.Message));
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                return Results.Json(new ErrorBody(e.Message), statusCode: StatusCodes.Status500InternalServerError);
            }
        });
        routes.MapDelete("/v1/service/{namespace}/{name}", (string @namespace, string name) =>
            services.Delete(@namespace, name) ? Results.NoContent() : NotFound(@namespace, name));
        return routes;
    }

    private static IResult NotFound(string ns, string name) => Results.NotFound(new ErrorBody("service " + ns + "/" + name + " not found"));

    /// <summary>Error payload.</summary>
    /// <param name="Error">What went wrong and how to fix it.</param>
    public sealed record ErrorBody([property: System.Text.Json.Serialization.JsonPropertyName("error")] string Error);
}
