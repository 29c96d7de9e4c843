using System.Buffers.Binary;

namespace CiliumL7.Proxy.Dns;

/// <summary>
/// Reads a (possibly compressed) domain name from a DNS message, bounded:
/// labels of at most 63 bytes, at most 255 bytes on the wire, compression
/// pointers only strictly backwards (so no loop can exist) and at most
/// <see cref="MaxPointers"/> of them. Text form: lower-case, labels joined by
/// dots, a trailing dot (the root is "."); bytes outside <c>[-a-z0-9_]</c> inside a
/// label are written <c>\DDD</c> (a dot inside a label as <c>\.</c>), so they can never
/// match a policy name.
/// </summary>
internal static class DnsName
{
    /// <summary>Longest name on the wire (RFC 1035 §2.3.4).</summary>
    public const int MaxWireLength = 255;

    /// <summary>Longest label.</summary>
    public const int MaxLabelLength = 63;

    /// <summary>Compression pointers followed per name.</summary>
    public const int MaxPointers = 64;

    /// <summary>Longest text form (every byte escaped as \DDD plus dots).</summary>
    public const int MaxTextLength = MaxWireLength * 4 + 2;

    /// <summary>
    /// Skips the name at <paramref name="offset"/> (validating it) and moves
    /// <paramref name="offset"/> past it.
    /// </summary>
    public static bool TrySkip(ReadOnlySpan<byte> message, ref int offset) =>
        TryRead(message, ref offset, [], out _);

    /// <summary>
    /// Reads the name at <paramref name="offset"/> into <paramref name="text"/> (may be empty
    /// to only validate; then <paramref name="written"/> is 0) and moves <paramref name="offset"/>
    /// past it. False when the name breaks a bound.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> message, ref int offset, Span<char> text, out int written)
    {
        written = 0;
        var position = offset;
        var end = -1;            // where the name ends in the record (after the first pointer)
        var wire = 0;
        var pointers = 0;
        var lowest = position;   // a pointer must go below every place this name was read from
        while (true)
        {
            if (position >= message.Length)
            {
                return false;
            }
            var length = message[position];
            switch (length & 0xC0)
            {
                case 0x00:
                    break;
                case 0xC0:
                    if (position + 1 >= message.Length || ++pointers > MaxPointers)
                    {
                        return false;
                    }
                    var target = BinaryPrimitives.ReadUInt16BigEndian(message[position..]) & 0x3FFF;
                    if (target >= lowest)
                    {
                        return false; // forwards or to itself: a loop is possible, refuse
                    }
                    if (end < 0)
                    {
                        end = position + 2;
                    }
                    position = target;
                    lowest = target;
                    continue;
                default:
                    return false; // 0x40 / 0x80: extended and reserved label types
            }
            if (length == 0)
            {
                wire += 1;
                if (wire > MaxWireLength)
                {
                    return false;
                }
                if (!text.IsEmpty)
                {
                    if (written == 0)
                    {
                        text[written++] = '.';
                    }
                }
                offset = end >= 0 ? end : position + 1;
                return true;
            }
            if (length > MaxLabelLength || position + 1 + length > message.Length)
            {
                return false;
            }
            wire += length + 1;
            if (wire > MaxWireLength)
            {
                return false;
            }
            if (!text.IsEmpty)
            {
                foreach (var b in message.Slice(position + 1, length))
                {
                    written = Append(text, written, b);
                }
                text[written++] = '.';
            }
            position += 1 + length;
        }
    }

    /// <summary>The name's text form as a string (validating it); null when it breaks a bound.</summary>
    public static string? ReadString(ReadOnlySpan<byte> message, ref int offset)
    {
        Span<char> text = stackalloc char[MaxTextLength];
        return TryRead(message, ref offset, text, out var written) ? new string(text[..written]) : null;
    }

    private static int Append(Span<char> text, int written, byte b)
    {
        var c = (char)b;
        if (c is >= 'A' and <= 'Z')
        {
            text[written++] = (char)(c + 32);
        }
        else if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_')
        {
            text[written++] = c;
        }
        else if (c == '.')
        {
            text[written++] = '\\';
            text[written++] = '.';
        }
        else
        {
            text[written++] = '\\';
            text[written++] = (char)('0' + (b / 100));
            text[written++] = (char)('0' + (b / 10 % 10));
            text[written++] = (char)('0' + (b % 10));
        }
        return written;
    }
}
