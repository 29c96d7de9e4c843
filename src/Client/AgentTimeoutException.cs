namespace CiliumL7.Client;

/// <summary>The agent accepted the connection but did not answer a request within the client's timeout.</summary>
public sealed class AgentTimeoutException : Exception
{
    /// <summary>Creates the exception for a request that timed out.</summary>
    /// <param name="socketPath">The agent's API socket.</param>
    /// <param name="request">The request, e.g. <c>PUT /v1/policy</c>.</param>
    /// <param name="timeout">How long the client waited.</param>
    /// <param name="inner">The cancellation the timeout caused.</param>
    public AgentTimeoutException(string socketPath, string request, TimeSpan timeout, Exception? inner = null)
        : base($"the ciliuml7 agent at unix://{socketPath} did not answer {request} within {FormatSeconds(timeout)} (it may be busy, e.g. applying a large policy; check `ciliuml7 status`)", inner)
    {
        SocketPath = socketPath;
        Request = request;
        Timeout = timeout;
    }

    /// <summary>The socket of the agent that did not answer.</summary>
    public string SocketPath { get; }

    /// <summary>The request that timed out.</summary>
    public string Request { get; }

    /// <summary>How long the client waited.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>A duration as the CLI prints it: <c>30s</c>, <c>1.5s</c>.</summary>
    public static string FormatSeconds(TimeSpan t) =>
        t.TotalSeconds.ToString(t.TotalSeconds == Math.Floor(t.TotalSeconds) ? "0" : "0.#", System.Globalization.CultureInfo.InvariantCulture) + "s";
}
