namespace CiliumL7.Datapath;

/// <summary>A datapath operation (load, attach, map update) failed; the message says which and why.</summary>
public sealed class DatapathException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DatapathException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a cause.</summary>
    public DatapathException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DatapathException()
    {
    }
}
