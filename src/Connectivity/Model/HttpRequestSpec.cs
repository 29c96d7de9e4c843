namespace CiliumL7.Connectivity.Model;

/// <summary>The HTTP request an action sends with curl.</summary>
/// <param name="Method">HTTP method (curl -X).</param>
/// <param name="Path">Request path.</param>
/// <param name="Headers">Extra request headers, "Name: value".</param>
public sealed record HttpRequestSpec(string Method, string Path, IReadOnlyList<string> Headers)
{
    /// <summary>GET /.</summary>
    public static HttpRequestSpec Get { get; } = new("GET", "/", []);
}
