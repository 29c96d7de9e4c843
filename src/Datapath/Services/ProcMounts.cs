namespace CiliumL7.Datapath.Services;

/// <summary>Reads mount points of a file system type from /proc/mounts.</summary>
internal static class ProcMounts
{
    /// <summary>Mount points of <paramref name="fsType"/>, in mount order (octal escapes such as <c>\040</c> decoded).</summary>
    public static List<string> MountPoints(string fsType, string mountsFile = "/proc/mounts")
    {
        var result = new List<string>();
        if (!File.Exists(mountsFile))
        {
            return result;
        }
        foreach (var line in File.ReadLines(mountsFile))
        {
            var fields = line.Split(' ');
            if (fields.Length >= 3 && fields[2] == fsType)
            {
                result.Add(Unescape(fields[1]));
            }
        }
        return result;
    }

    /// <summary>True when <paramref name="path"/> lies on a mount of <paramref name="fsType"/>.</summary>
    public static bool IsOn(string path, string fsType, string mountsFile = "/proc/mounts")
    {
        var full = Path.GetFullPath(path).TrimEnd('/') + "/";
        foreach (var mp in MountPoints(fsType, mountsFile))
        {
            var prefix = mp.TrimEnd('/') + "/";
            if (full.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    private static string Unescape(string s)
    {
        if (!s.Contains('\\', StringComparison.Ordinal))
        {
            return s;
        }
        var sb = new System.Text.StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 3 < s.Length && IsOctal(s[i + 1]) && IsOctal(s[i + 2]) && IsOctal(s[i + 3]))
            {
                sb.Append((char)(((s[i + 1] - '0') * 64) + ((s[i + 2] - '0') * 8) + (s[i + 3] - '0')));
                i += 3;
            }
            else
            {
                sb.Append(s[i]);
            }
        }
        return sb.ToString();
    }

    private static bool IsOctal(char c) => c is >= '0' and <= '7';
}
