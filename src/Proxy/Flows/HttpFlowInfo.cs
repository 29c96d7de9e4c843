namespace CiliumL7.Proxy.Flows;

/// <summary>Hubble's <c>HTTP</c> message of a flow.</summary>
/// <param name="Code">The status code (0 on a request).</param>
/// <param name="Method">The request method.</param>
/// <param name="Url">The absolute URL, <c>http://host/path?query</c>, with the canonical path.</param>
/// <param name="Protocol"><c>HTTP/1.1</c> or <c>HTTP/2</c>.</param>
/// <param name="Headers">Request headers (values possibly redacted); empty when disabled.</param>
public readonly record struct HttpFlowInfo(int Code, string Method, string Url, string Protocol, IReadOnlyList<KeyValuePair<string, string>> Headers);
