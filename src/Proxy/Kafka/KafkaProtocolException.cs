namespace CiliumL7.Proxy.Kafka;

/// <summary>
/// A Kafka frame the proxy cannot or will not understand (a length that lies, a
/// negative or huge count, a string past the frame, an unknown API key or version).
/// The connection is closed and nothing of the frame is forwarded.
/// </summary>
public sealed class KafkaProtocolException : Exception
{
    /// <summary>Creates the exception with the reason that goes into the log and the flow.</summary>
    public KafkaProtocolException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public KafkaProtocolException()
    {
    }

    /// <summary>Creates the exception with an inner exception.</summary>
    public KafkaProtocolException(string message, Exception innerException) : base(message, innerException)
    {
    }

    internal static KafkaProtocolException Truncated(string field) => new($"{field} runs past the end of the frame");
}
