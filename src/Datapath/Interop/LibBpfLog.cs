using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace CiliumL7.Datapath.Interop;

/// <summary>
/// Captures libbpf's log (verifier output included) so a load error can say
/// why. Keeps the last lines in memory; nothing is printed.
/// </summary>
internal static unsafe partial class LibBpfLog
{
    private const int MaxLines = 60;
    private static readonly Queue<string> Lines = new();
    private static readonly Lock Gate = new();
    private static int _installed;

    public static void Install()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 0)
        {
            LibBpf.SetPrint(&Print);
        }
    }

    /// <summary>The recent log as a suffix for an error message, or "".</summary>
    public static string TailForError()
    {
        lock (Gate)
        {
            if (Lines.Count == 0)
            {
                return "";
            }
            var sb = new StringBuilder("\nlibbpf log (last lines):\n");
            foreach (var line in Lines)
            {
                sb.Append("  ").Append(line);
            }
            Lines.Clear();
            return sb.ToString();
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Print(int level, nint format, nint args)
    {
        const int Size = 2048;
        byte* buf = stackalloc byte[Size];
        int n = VsnPrintf(buf, Size, format, args);
        if (n <= 0)
        {
            return 0;
        }
        var text = Encoding.UTF8.GetString(buf, Math.Min(n, Size - 1));
        lock (Gate)
        {
            Lines.Enqueue(text);
            while (Lines.Count > MaxLines)
            {
                Lines.Dequeue();
            }
        }
        return 0;
    }

    /* x86_64: a va_list parameter is passed as a pointer */
    [LibraryImport("libc", EntryPoint = "vsnprintf")]
    private static partial int VsnPrintf(byte* buf, nuint size, nint format, nint args);
}
