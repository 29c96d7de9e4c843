using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace CiliumL7.Agent.State;

/// <summary>
/// One JSON file of the agent's state directory. Writes are atomic (temp file in
/// the same directory, fsync, rename), so a <c>kill -9</c> leaves either the old
/// or the new content, never a torn file.
/// </summary>
internal static class StateFile
{
    public static T? Read<T>(string path, JsonTypeInfo<T> type)
        where T : class
    {
        if (!File.Exists(path))
        {
            return null;
        }
        using var stream = File.OpenRead(path);
        return JsonSerializer.Deserialize(stream, type);
    }

    public static void Write<T>(string path, T value, JsonTypeInfo<T> type)
    {
        var dir = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, "." + Path.GetFileName(path) + "." + Environment.ProcessId + ".tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(stream, value, type);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            // A full disk fails mid-write: the old file stays whole, and the partial temp file must not linger.
            File.Delete(temp);
            throw;
        }
    }
}
