using System.Net;

namespace CiliumL7.Client;

/// <summary>The agent answered with an error status.</summary>
public sealed class AgentException : Exception
{
    /// <summary>Creates the exception from the agent's answer.</summary>
    public AgentException(HttpStatusCode status, string message, IReadOnlyList<string> errors)
        : base(message)
    {
        Status = status;
        Errors = errors;
    }

    /// <summary>HTTP status of the answer.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>Every individual error the agent reported.</summary>
    public IReadOnlyList<string> Errors { get; }
}
