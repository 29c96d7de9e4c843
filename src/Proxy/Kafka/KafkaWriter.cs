using System.Buffers.Binary;
using System.Text;

namespace CiliumL7.Proxy.Kafka;

/// <summary>Writes Kafka primitive types into a growing buffer (cold path: synthesized responses only).</summary>
internal sealed class KafkaWriter
{
    private byte[] _buffer = new byte[256];
    private int _length;

    public int Length => _length;

    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _length);

    public void Int8(sbyte value) => Span(1)[0] = (byte)value;

    public void Bool(bool value) => Span(1)[0] = value ? (byte)1 : (byte)0;

    public void Int16(short value) => BinaryPrimitives.WriteInt16BigEndian(Span(2), value);

    public void Int32(int value) => BinaryPrimitives.WriteInt32BigEndian(Span(4), value);

    public void Int64(long value) => BinaryPrimitives.WriteInt64BigEndian(Span(8), value);

    public void Uuid() => Span(16).Clear();

    public void PatchInt32(int offset, int value) => BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(offset, 4), value);

    public void UnsignedVarint(uint value)
    {
        while (value >= 0x80)
        {
            Span(1)[0] = (byte)(value | 0x80);
            value >>= 7;
        }
        Span(1)[0] = (byte)value;
    }

    /// <summary>A string, or null when <paramref name="value"/> is null (the field must be nullable).</summary>
    public void String(string? value, bool flexible)
    {
        if (value is null)
        {
            if (flexible)
            {
                UnsignedVarint(0);
            }
            else
            {
                Int16(-1);
            }
            return;
        }
        var count = Encoding.UTF8.GetByteCount(value);
        if (flexible)
        {
            UnsignedVarint((uint)count + 1);
        }
        else
        {
            Int16((short)count);
        }
        Encoding.UTF8.GetBytes(value, Span(count));
    }

    /// <summary>An array count; -1 writes null.</summary>
    public void ArrayCount(int count, bool flexible)
    {
        if (flexible)
        {
            UnsignedVarint((uint)(count + 1));
        }
        else
        {
            Int32(count);
        }
    }

    /// <summary>Empty (not null) bytes.</summary>
    public void EmptyBytes(bool flexible)
    {
        if (flexible)
        {
            UnsignedVarint(1);
        }
        else
        {
            Int32(0);
        }
    }

    /// <summary>An empty tagged-field section, in flexible versions only.</summary>
    public void Tags(bool flexible)
    {
        if (flexible)
        {
            UnsignedVarint(0);
        }
    }

    private Span<byte> Span(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }
        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
