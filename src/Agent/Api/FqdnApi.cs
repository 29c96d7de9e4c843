using System.Globalization;
using CiliumL7.Agent.Fqdn;
using CiliumL7.Client;
using CiliumL7.Client.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CiliumL7.Agent.Api;

/// <summary><c>/v1/fqdn/cache</c>: list (GET) and clean (DELETE, optional <c>endpoint</c> and <c>matchpattern</c>) the FQDN cache.</summary>
internal static class FqdnApi
{
    public static void Map(IEndpointRouteBuilder app, FqdnManager fqdn)
    {
        var v1 = app.MapGroup("/v1");
        v1.MapGet("/fqdn/cache", () => Results.Json(fqdn.List(), ClientJsonContext.Readable.ListFqdnCacheEntryModel));
        v1.MapDelete("/fqdn/cache", (HttpRequest request) =>
        {
            uint? endpoint = null;
            if (request.Query["endpoint"].ToString() is { Length: > 0 } text)
            {
                if (!uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                {
                    return Results.Json(new ErrorModel { Message = $"endpoint \"{text}\" is not a numeric endpoint id" }, ClientJsonContext.Readable.ErrorModel, statusCode: 400);
                }
                endpoint = id;
            }
            var pattern = request.Query["matchpattern"].ToString() is { Length: > 0 } p ? p : null;
            if (pattern is not null && FqdnName.Normalize(pattern) is null)
            {
                return Results.Json(new ErrorModel { Message = $"matchpattern \"{pattern}\" is not a DNS name pattern (letters, digits, '-', '_', '.', '*')" }, ClientJsonContext.Readable.ErrorModel, statusCode: 400);
            }
            return Results.Json(new FqdnCleanResult { Removed = fqdn.Clean(endpoint, pattern) }, ClientJsonContext.Readable.FqdnCleanResult);
        });
    }

    public static FqdnStatusModel Status(FqdnManager fqdn)
    {
        var (entries, names, zombies) = fqdn.Counts();
        var (plumbed, p50, p99, max) = fqdn.HoldTimes.Snapshot();
        return new FqdnStatusModel
        {
            Entries = entries, Names = names, Zombies = zombies, AnswersLearned = fqdn.Learned,
            AnswersPlumbed = plumbed, HoldP50Ms = Math.Round(p50, 3), HoldP99Ms = Math.Round(p99, 3), HoldMaxMs = Math.Round(max, 3),
            AnswersIncremental = fqdn.PlumbedIncrementally, AnswersFailed = fqdn.PlumbFailed,
        };
    }
}
