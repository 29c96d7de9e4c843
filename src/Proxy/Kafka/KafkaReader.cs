using System.Buffers.Binary;
using System.Text;

namespace CiliumL7.Proxy.Kafka;

/// <summary>
/// Reads Kafka primitive types from one complete request frame (the bytes after
/// the size prefix). Every read checks the bounds first; a count is checked
/// against the bytes left before anything is allocated for it (an element of any
/// array is at least one byte), so a lying count cannot make the proxy allocate.
/// Flexible versions: compact strings, arrays and bytes carry unsigned varint
/// lengths plus one, and every structure ends with tagged fields.
/// </summary>
internal ref struct KafkaReader
{
    /// <summary>Longest topic name Kafka accepts; longer names are never a valid topic.</summary>
    public const int MaxStringBytes = short.MaxValue;

    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    public KafkaReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _buffer.Length - _position;

    public sbyte ReadInt8(string field) => (sbyte)Take(1, field)[0];

    public short ReadInt16(string field) => BinaryPrimitives.ReadInt16BigEndian(Take(2, field));

    public int ReadInt32(string field) => BinaryPrimitives.ReadInt32BigEndian(Take(4, field));

    public long ReadInt64(string field) => BinaryPrimitives.ReadInt64BigEndian(Take(8, field));

    public void Skip(int count, string field) => Take(count, field);

    /// <summary>An unsigned varint of at most 5 bytes (32 bits), as Kafka writes lengths and tags.</summary>
    public uint ReadUnsignedVarint(string field)
    {
        uint value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = Take(1, field)[0];
            if (shift == 28 && (b & 0xF0) != 0)
            {
                throw new KafkaProtocolException($"{field}: varint longer than 32 bits");
            }
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
        throw new KafkaProtocolException($"{field}: varint longer than 5 bytes");
    }

    /// <summary>A string (INT16 length, or compact); null only when <paramref name="nullable"/>.</summary>
    public string? ReadString(bool flexible, bool nullable, string field)
    {
        int length;
        if (flexible)
        {
            var n = ReadUnsignedVarint(field);
            length = n == 0 ? -1 : checked((int)Math.Min(n - 1, int.MaxValue));
        }
        else
        {
            length = ReadInt16(field);
        }
        if (length < 0)
        {
            return (length == -1 && nullable) ? null : throw new KafkaProtocolException($"{field}: length {length} is not allowed here");
        }
        if (length > MaxStringBytes)
        {
            throw new KafkaProtocolException($"{field}: length {length} is longer than {MaxStringBytes}");
        }
        var bytes = Take(length, field);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new KafkaProtocolException($"{field}: not valid UTF-8");
        }
    }

    /// <summary>Skips a string without decoding it.</summary>
    public void SkipString(bool flexible, bool nullable, string field)
    {
        int length;
        if (flexible)
        {
            var n = ReadUnsignedVarint(field);
            length = n == 0 ? -1 : checked((int)Math.Min(n - 1, int.MaxValue));
        }
        else
        {
            length = ReadInt16(field);
        }
        if (length < 0)
        {
            if (length == -1 && nullable)
            {
                return;
            }
            throw new KafkaProtocolException($"{field}: length {length} is not allowed here");
        }
        Take(length, field);
    }

    /// <summary>Bytes (INT32 length, or compact); returns the length, -1 for null.</summary>
    public int SkipBytes(bool flexible, bool nullable, string field)
    {
        long length;
        if (flexible)
        {
            var n = ReadUnsignedVarint(field);
            length = (long)n - 1;
        }
        else
        {
            length = ReadInt32(field);
        }
        if (length < 0)
        {
            return (length == -1 && nullable) ? -1 : throw new KafkaProtocolException($"{field}: length {length} is not allowed here");
        }
        if (length > Remaining)
        {
            throw KafkaProtocolException.Truncated(field);
        }
        Take((int)length, field);
        return (int)length;
    }

    /// <summary>An array count (INT32, or compact); -1 for null when <paramref name="nullable"/>.</summary>
    public int ReadArrayCount(bool flexible, bool nullable, string field, int minElementBytes = 1)
    {
        long count;
        if (flexible)
        {
            count = (long)ReadUnsignedVarint(field) - 1;
        }
        else
        {
            count = ReadInt32(field);
        }
        if (count < 0)
        {
            return (count == -1 && nullable) ? -1 : throw new KafkaProtocolException($"{field}: count {count} is not allowed here");
        }
        if (count * minElementBytes > Remaining)
        {
            throw new KafkaProtocolException($"{field}: count {count} cannot fit in the {Remaining} bytes left in the frame");
        }
        return (int)count;
    }

    /// <summary>Skips a tagged-field section: a count, then (tag, size, bytes) each; tags strictly increasing.</summary>
    public void SkipTaggedFields(string field)
    {
        var count = ReadUnsignedVarint(field);
        if (count > (uint)Remaining / 2)
        {
            throw new KafkaProtocolException($"{field}: {count} tagged fields cannot fit in the {Remaining} bytes left in the frame");
        }
        long previous = -1;
        for (var i = 0u; i < count; i++)
        {
            var tag = ReadUnsignedVarint(field);
            if (tag <= previous)
            {
                throw new KafkaProtocolException($"{field}: tag {tag} out of order");
            }
            previous = tag;
            var size = ReadUnsignedVarint(field);
            if (size > (uint)Remaining)
            {
                throw new KafkaProtocolException($"{field}: tagged field {tag} of {size} bytes runs past the end of the frame");
            }
            Take((int)size, field);
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private ReadOnlySpan<byte> Take(int count, string field)
    {
        if (count < 0 || count > Remaining)
        {
            throw KafkaProtocolException.Truncated(field);
        }
        var span = _buffer.Slice(_position, count);
        _position += count;
        return span;
    }
}
