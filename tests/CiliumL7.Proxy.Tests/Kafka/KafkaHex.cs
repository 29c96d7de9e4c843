using System.Buffers;
using System.Text;

namespace CiliumL7.Proxy.Tests.Kafka;

/// <summary>
/// Byte tables written the way the protocol guide writes them: hex bytes
/// (spaces ignored), <c>'text'</c> for UTF-8, <c>xN*HH</c> for N copies of HH.
/// </summary>
internal static class KafkaHex
{
    public static byte[] Bytes(string table)
    {
        var bytes = new List<byte>();
        var i = 0;
        while (i < table.Length)
        {
            var c = table[i];
            if (char.IsWhiteSpace(c) || c == '|')
            {
                i++;
            }
            else if (c == '\'')
            {
                var end = table.IndexOf('\'', i + 1);
                bytes.AddRange(Encoding.UTF8.GetBytes(table[(i + 1)..end]));
                i = end + 1;
            }
            else if (c == 'x')
            {
                var star = table.IndexOf('*', i);
                var count = int.Parse(table[(i + 1)..star]);
                var value = Convert.ToByte(table.Substring(star + 1, 2), 16);
                bytes.AddRange(Enumerable.Repeat(value, count));
                i = star + 3;
            }
            else
            {
                bytes.Add(Convert.ToByte(table.Substring(i, 2), 16));
                i += 2;
            }
        }
        return [.. bytes];
    }

    /// <summary>The frame with its size prefix.</summary>
    public static byte[] Frame(string table)
    {
        var body = Bytes(table);
        var frame = new byte[body.Length + 4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(frame, body.Length);
        body.CopyTo(frame, 4);
        return frame;
    }

    public static string Show(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);

    /// <summary>The next length-prefixed frame (prefix included) from <paramref name="reader"/>; null at its end.</summary>
    public static async Task<byte[]?> ReadFrameAsync(System.IO.Pipelines.PipeReader reader, CancellationToken ct)
    {
        var result = await reader.ReadAtLeastAsync(4, ct);
        if (result.Buffer.Length < 4)
        {
            reader.AdvanceTo(result.Buffer.End);
            return null;
        }
        var head = new byte[4];
        result.Buffer.Slice(0, 4).CopyTo(head);
        var size = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(head);
        reader.AdvanceTo(result.Buffer.Start);
        result = await reader.ReadAtLeastAsync(size + 4, ct);
        var frame = result.Buffer.Slice(0, size + 4).ToArray();
        reader.AdvanceTo(result.Buffer.GetPosition(size + 4));
        return frame;
    }
}
