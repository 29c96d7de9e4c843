using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace CiliumL7.Proxy.Http;

/// <summary>The responses the proxy writes itself.</summary>
internal static class HttpResponses
{
    /// <summary>The body of a policy deny, as Envoy/Cilium send it (15 bytes).</summary>
    public static ReadOnlyMemory<byte> AccessDeniedBody { get; } = "Access denied\r\n"u8.ToArray();

    /// <summary>403 Forbidden, <c>content-type: text/plain</c>, <c>Access denied\r\n</c>.</summary>
    public static ValueTask<System.IO.Pipelines.FlushResult> WriteAccessDeniedAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status403Forbidden;
        response.ContentType = "text/plain";
        response.ContentLength = AccessDeniedBody.Length;
        return response.BodyWriter.WriteAsync(AccessDeniedBody, context.RequestAborted);
    }

    /// <summary>An empty 400 that closes an HTTP/1.x connection (the request framing is not trusted further).</summary>
    public static Task WriteBadRequestAsync(HttpContext context, bool http1)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status400BadRequest;
        response.ContentLength = 0;
        if (http1)
        {
            response.Headers[HeaderNames.Connection] = "close";
        }
        return Task.CompletedTask;
    }
}
