using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using CiliumL7.Policy.Api.Limits;
using Microsoft.AspNetCore.Http;

namespace CiliumL7.Agent.Api;

/// <summary>
/// Reads a REST request body within a size limit: a JSON body into its model
/// (bad input is a 400 naming the field, never a 500), a text body (policy
/// YAML) as a string. Oversized bodies are refused with 413 before they are
/// parsed; nothing of the body is echoed whole.
/// </summary>
internal static class RequestBody
{
    /// <summary>The model, or the error to answer with (status and message).</summary>
    public static async Task<(T? Value, HttpStatusCode Status, string? Error)> ReadJsonAsync<T>(HttpRequest request, JsonTypeInfo<T> type, string what)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (null, HttpStatusCode.UnsupportedMediaType,
                $"{what}: Content-Type {(string.IsNullOrEmpty(request.ContentType) ? "is missing" : "\"" + Echo.Truncate(request.ContentType) + "\" is not JSON")}; send \"Content-Type: application/json\"");
        }
        var (text, status, error) = await ReadTextAsync(request, InputLimits.MaxJsonBodyBytes, what).ConfigureAwait(false);
        if (text is null)
        {
            return (null, status, error);
        }
        try
        {
            var value = JsonSerializer.Deserialize(text, type);
            return value is null
                ? (null, HttpStatusCode.BadRequest, $"{what}: the body is JSON null; send a JSON object")
                : (value, HttpStatusCode.OK, null);
        }
        catch (JsonException e)
        {
            return (null, HttpStatusCode.BadRequest, $"{what}: invalid JSON at {e.Path ?? "$"}{(e.LineNumber is { } line ? $" (line {line + 1})" : "")}: {Reason(e)}");
        }
    }

    /// <summary>The body as text, or the error (413 when larger than <paramref name="limit"/> bytes).</summary>
    public static async Task<(string? Text, HttpStatusCode Status, string? Error)> ReadTextAsync(HttpRequest request, int limit, string what)
    {
        if (request.ContentLength > limit)
        {
            return (null, HttpStatusCode.RequestEntityTooLarge, TooLarge(what, request.ContentLength.Value, limit));
        }
        var buffer = new byte[Math.Min(limit + 1, 64 * 1024)];
        using var collected = new MemoryStream();
        while (true)
        {
            int n;
            try
            {
                n = await request.Body.ReadAsync(buffer, request.HttpContext.RequestAborted).ConfigureAwait(false);
            }
            catch (BadHttpRequestException e)
            {
                return (null, (HttpStatusCode)e.StatusCode, $"{what}: {e.Message}");
            }
            if (n == 0)
            {
                break;
            }
            if (collected.Length + n > limit)
            {
                return (null, HttpStatusCode.RequestEntityTooLarge, TooLarge(what, collected.Length + n, limit) + " (stopped reading there)");
            }
            collected.Write(buffer, 0, n);
        }
        try
        {
            return (new UTF8Encoding(false, true).GetString(collected.GetBuffer(), 0, (int)collected.Length), HttpStatusCode.OK, null);
        }
        catch (DecoderFallbackException)
        {
            return (null, HttpStatusCode.BadRequest, $"{what}: the body is not valid UTF-8");
        }
    }

    private static string TooLarge(string what, long length, int limit) =>
        $"{what}: the body is {length} bytes, larger than the limit of {limit} bytes";

    private static string Reason(JsonException e)
    {
        // "The JSON value could not be converted to System.Int32. Path: $.ifindex | LineNumber: 0 | ..." → the first sentence.
        var message = e.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0)
        {
            message = message[..cut];
        }
        return Echo.Truncate(message, 300);
    }
}
