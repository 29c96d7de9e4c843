using System.Buffers.Binary;
using System.Net;

namespace CiliumL7.Proxy.Dns;

/// <summary>
/// Parses DNS messages (RFC 1035 wire format) completely before anything is
/// judged or forwarded: every section is walked, every name bounded
/// (<see cref="DnsName"/>), every count checked against the bytes there, and
/// nothing may follow the last record. EDNS0: one OPT record at the root, in
/// the additional section. A message that fails any check is never forwarded.
/// </summary>
internal static class DnsMessageParser
{
    /// <summary>Size of the fixed header.</summary>
    public const int HeaderLength = 12;

    /// <summary>Most records (all sections together) a message may carry.</summary>
    public const int MaxRecords = 512;

    /// <summary>Most addresses taken from one answer.</summary>
    public const int MaxAddresses = 256;

    /// <summary>Longest CNAME chain followed.</summary>
    public const int MaxCnameHops = 16;

    private const ushort TypeA = 1;
    private const ushort TypeCname = 5;
    private const ushort TypeAaaa = 28;
    private const ushort TypeOpt = 41;

    /// <summary>Parses a query from a client: a standard query (QR 0, opcode 0) with exactly one question.</summary>
    public static DnsParseError ParseQuery(ReadOnlySpan<byte> message, out DnsQuestion question)
    {
        question = default;
        if (message.Length < HeaderLength)
        {
            return DnsParseError.Truncated;
        }
        var flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        if ((flags & 0x8000) != 0 || ((flags >> 11) & 0xF) != 0 || Count(message, 4) != 1)
        {
            return DnsParseError.NotAQuery;
        }
        var offset = HeaderLength;
        var name = DnsName.ReadString(message, ref offset);
        if (name is null)
        {
            return DnsParseError.BadName;
        }
        if (offset + 4 > message.Length)
        {
            return DnsParseError.Truncated;
        }
        var type = BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
        var @class = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 2)..]);
        offset += 4;
        var questionEnd = offset;
        var error = SkipRecords(message, ref offset, null);
        if (error != DnsParseError.None)
        {
            return error;
        }
        question = new DnsQuestion(BinaryPrimitives.ReadUInt16BigEndian(message), name, type, @class, questionEnd);
        return DnsParseError.None;
    }

    /// <summary>Parses an answer from a server (QR 1, one question), taking the addresses of the question's name along its CNAME chain.</summary>
    public static DnsParseError ParseAnswer(ReadOnlySpan<byte> message, out DnsAnswer? answer)
    {
        answer = null;
        if (message.Length < HeaderLength)
        {
            return DnsParseError.Truncated;
        }
        var flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        if ((flags & 0x8000) == 0 || Count(message, 4) != 1)
        {
            return DnsParseError.NotAQuery;
        }
        var offset = HeaderLength;
        var name = DnsName.ReadString(message, ref offset);
        if (name is null)
        {
            return DnsParseError.BadName;
        }
        if (offset + 4 > message.Length)
        {
            return DnsParseError.Truncated;
        }
        var type = BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
        var @class = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 2)..]);
        offset += 4;
        var records = new List<Record>(Count(message, 6));
        var error = SkipRecords(message, ref offset, records);
        if (error != DnsParseError.None)
        {
            return error;
        }
        answer = Distil(BinaryPrimitives.ReadUInt16BigEndian(message), flags, name, type, @class, records);
        return DnsParseError.None;
    }

    private static int Count(ReadOnlySpan<byte> message, int at) => BinaryPrimitives.ReadUInt16BigEndian(message[at..]);

    /// <summary>Walks the answer, authority and additional sections; collects the answer section's records when asked.</summary>
    private static DnsParseError SkipRecords(ReadOnlySpan<byte> message, ref int offset, List<Record>? answers)
    {
        var counts = (An: Count(message, 6), Ns: Count(message, 8), Ar: Count(message, 10));
        if (counts.An + counts.Ns + counts.Ar > MaxRecords)
        {
            return DnsParseError.TooManyRecords;
        }
        var opt = false;
        for (var section = 0; section < 3; section++)
        {
            var n = section switch { 0 => counts.An, 1 => counts.Ns, _ => counts.Ar };
            for (var i = 0; i < n; i++)
            {
                var start = offset;
                string? owner = null;
                if (section == 0 && answers is not null)
                {
                    owner = DnsName.ReadString(message, ref offset);
                    if (owner is null)
                    {
                        return DnsParseError.BadName;
                    }
                }
                else if (!DnsName.TrySkip(message, ref offset))
                {
                    return DnsParseError.BadName;
                }
                if (offset + 10 > message.Length)
                {
                    return DnsParseError.Truncated;
                }
                var type = BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
                var ttl = BinaryPrimitives.ReadUInt32BigEndian(message[(offset + 4)..]);
                var length = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 8)..]);
                offset += 10;
                if (offset + length > message.Length)
                {
                    return DnsParseError.Truncated;
                }
                if (type == TypeOpt)
                {
                    if (section != 2 || opt || offset - 10 - start != 1)
                    {
                        return DnsParseError.BadEdns;
                    }
                    opt = true;
                }
                if (owner is not null)
                {
                    var data = message.Slice(offset, length);
                    string? target = null;
                    IPAddress? address = null;
                    if (type == TypeCname)
                    {
                        var at = offset;
                        target = DnsName.ReadString(message, ref at);
                        if (target is null || at != offset + length)
                        {
                            return DnsParseError.BadName;
                        }
                    }
                    else if ((type == TypeA && length == 4) || (type == TypeAaaa && length == 16))
                    {
                        address = new IPAddress(data);
                    }
                    else if (type is TypeA or TypeAaaa)
                    {
                        return DnsParseError.Truncated;
                    }
                    answers!.Add(new Record(owner, type, ttl > int.MaxValue ? 0 : ttl, target, address));
                }
                offset += length;
            }
        }
        return offset == message.Length ? DnsParseError.None : DnsParseError.TrailingBytes;
    }

    private static DnsAnswer Distil(ushort id, ushort flags, string name, ushort type, ushort @class, List<Record> records)
    {
        var cnames = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal) { name };
        var current = name;
        for (var hop = 0; hop < MaxCnameHops; hop++)
        {
            string? next = null;
            foreach (var r in records)
            {
                if (r.Type == TypeCname && r.Owner == current)
                {
                    next = r.Target;
                    break;
                }
            }
            if (next is null || !names.Add(next))
            {
                break;
            }
            cnames.Add(next);
            current = next;
        }
        var addresses = new List<(IPAddress, uint)>();
        var types = new List<ushort>(records.Count);
        foreach (var r in records)
        {
            types.Add(r.Type);
            if (r.Address is not null && names.Contains(r.Owner) && addresses.Count < MaxAddresses)
            {
                addresses.Add((r.Address, r.Ttl));
            }
        }
        return new DnsAnswer(id, flags & 0xF, (flags & 0x0200) != 0, name, type, @class, addresses, cnames, types);
    }

    private readonly record struct Record(string Owner, ushort Type, uint Ttl, string? Target, IPAddress? Address);
}
