namespace CiliumL7.Agent.KvStore;

/// <summary>The kvstore could not be reached or refused a call; the message names the endpoint.</summary>
internal sealed class KvStoreUnavailableException : Exception
{
    public KvStoreUnavailableException(string message)
        : base(message)
    {
    }

    public KvStoreUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
