namespace CiliumL7.Agent.Configuration;

/// <summary>A flag value that parsed but cannot be used on this host (e.g. an export file that cannot be written); the agent exits 2.</summary>
internal sealed class AgentConfigurationException : Exception
{
    public AgentConfigurationException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
