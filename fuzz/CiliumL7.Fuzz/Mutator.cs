using System.Text;

namespace CiliumL7.Fuzz;

/// <summary>libFuzzer-style byte mutations of a corpus entry: flips, inserts of interesting tokens, deletes, duplicates, splices.</summary>
internal sealed class Mutator(Random random, IReadOnlyList<byte[]> corpus, IReadOnlyList<string> dictionary)
{
    public byte[] Next()
    {
        var data = new List<byte>(corpus[random.Next(corpus.Count)]);
        var rounds = 1 + random.Next(4);
        for (var r = 0; r < rounds; r++)
        {
            switch (random.Next(6))
            {
                case 0 when data.Count > 0:
                    data[random.Next(data.Count)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    data.InsertRange(random.Next(data.Count + 1), Encoding.Latin1.GetBytes(dictionary[random.Next(dictionary.Count)]));
                    break;
                case 2 when data.Count > 1:
                {
                    var at = random.Next(data.Count);
                    data.RemoveRange(at, Math.Min(data.Count - at, 1 + random.Next(16)));
                    break;
                }
                case 3 when data.Count > 1:
                {
                    var at = random.Next(data.Count);
                    var len = Math.Min(data.Count - at, 1 + random.Next(32));
                    var copies = 1 + random.Next(random.Next(2) == 0 ? 4 : 2000); // sometimes a deep/long repeat
                    var chunk = data.GetRange(at, len);
                    for (var i = 0; i < copies && data.Count < 300_000; i++)
                    {
                        data.InsertRange(at, chunk);
                    }
                    break;
                }
                case 4:
                {
                    var other = corpus[random.Next(corpus.Count)];
                    if (other.Length > 0)
                    {
                        var from = random.Next(other.Length);
                        data.InsertRange(random.Next(data.Count + 1), other.AsSpan(from, Math.Min(other.Length - from, 64)).ToArray());
                    }
                    break;
                }
                default:
                    if (data.Count > 0)
                    {
                        data[random.Next(data.Count)] = (byte)random.Next(256);
                    }
                    break;
            }
        }
        return [.. data];
    }
}
