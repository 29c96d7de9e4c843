namespace CiliumL7.Client;

/// <summary>The agent's API socket cannot be reached (agent not running, wrong path).</summary>
public sealed class AgentUnavailableException : Exception
{
    /// <summary>Creates the exception for a socket path.</summary>
    public AgentUnavailableException(string socketPath, Exception inner)
        : base($"cannot reach the ciliuml7 agent at unix://{socketPath}: {inner.Message} (is ciliuml7-agent running? pass -H unix:///path/agent.sock for a non-default agent)", inner)
    {
        SocketPath = socketPath;
    }

    /// <summary>The socket that could not be reached.</summary>
    public string SocketPath { get; }
}
