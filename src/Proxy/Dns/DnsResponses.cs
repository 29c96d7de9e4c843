using System.Buffers.Binary;

namespace CiliumL7.Proxy.Dns;

/// <summary>
/// Answers the proxy makes itself: the query's header and question, unchanged
/// (same id, same question), with QR set, the query's RD echoed, RA set, no
/// records and the given rcode.
/// </summary>
internal static class DnsResponses
{
    /// <summary>FORMERR.</summary>
    public const int FormErr = 1;

    /// <summary>SERVFAIL.</summary>
    public const int ServFail = 2;

    /// <summary>NXDOMAIN.</summary>
    public const int NxDomain = 3;

    /// <summary>REFUSED.</summary>
    public const int Refused = 5;

    /// <summary>
    /// Writes the answer to <paramref name="query"/> (whose question ends at
    /// <paramref name="questionEnd"/>; the header only when 12) into
    /// <paramref name="destination"/>; returns its length.
    /// </summary>
    public static int Write(ReadOnlySpan<byte> query, int questionEnd, int rcode, Span<byte> destination)
    {
        query[..questionEnd].CopyTo(destination);
        var flags = BinaryPrimitives.ReadUInt16BigEndian(query[2..]);
        var answerFlags = (ushort)(0x8000 | (flags & 0x7800) | (flags & 0x0100) | 0x0080 | (rcode & 0xF));
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], answerFlags);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)(questionEnd > DnsMessageParser.HeaderLength ? 1 : 0));
        destination.Slice(6, 6).Clear();
        return questionEnd;
    }

    /// <summary>The answer as a new array.</summary>
    public static byte[] Create(ReadOnlySpan<byte> query, int questionEnd, int rcode)
    {
        var bytes = new byte[questionEnd];
        Write(query, questionEnd, rcode, bytes);
        return bytes;
    }
}
