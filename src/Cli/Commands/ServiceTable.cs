using System.Text;
using System.Text.Json;

namespace CiliumL7.Cli;

/// <summary>
/// <c>ciliuml7 service list</c> as <c>cilium service list</c> prints it, one
/// row per frontend, one line per backend:
/// <code>
/// ID   FRONTEND            SERVICE TYPE   BACKEND                              NAME
/// 1    10.96.0.1:80/TCP    ClusterIP      1 => 10.244.0.11:80/TCP (active)     default/deathstar
///                                         2 => 10.244.0.12:80/TCP (active)
/// </code>
/// </summary>
internal static class ServiceTable
{
    public static string Render(JsonElement services)
    {
        var rows = new List<string[]>();
        foreach (var service in services.EnumerateArray())
        {
            var spec = service.GetProperty("spec");
            var name = spec.GetProperty("namespace").GetString() + "/" + spec.GetProperty("name").GetString();
            foreach (var frontend in service.GetProperty("frontends").EnumerateArray())
            {
                var protocol = frontend.GetProperty("protocol").GetString();
                var address = frontend.GetProperty("address").GetString() + "/" + protocol;
                var id = frontend.GetProperty("id").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture);
                var backends = frontend.GetProperty("backends");
                if (backends.GetArrayLength() == 0)
                {
                    rows.Add([id, address, "ClusterIP", "(no backends)", name]);
                    continue;
                }
                var n = 0;
                foreach (var backend in backends.EnumerateArray())
                {
                    n++;
                    var text = n + " => " + backend.GetProperty("ip").GetString() + ":" + backend.GetProperty("port").GetInt32() + "/" + protocol + " (active)";
                    rows.Add(n == 1 ? [id, address, "ClusterIP", text, name] : ["", "", "", text, ""]);
                }
            }
        }
        return Format(["ID", "FRONTEND", "SERVICE TYPE", "BACKEND", "NAME"], rows);
    }

    private static string Format(string[] header, List<string[]> rows)
    {
        var widths = new int[header.Length];
        for (var c = 0; c < header.Length; c++)
        {
            widths[c] = header[c].Length;
            foreach (var row in rows)
            {
                widths[c] = Math.Max(widths[c], row[c].Length);
            }
        }
        var sb = new StringBuilder();
        Append(sb, header, widths);
        foreach (var row in rows)
        {
            Append(sb, row, widths);
        }
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, string[] cells, int[] widths)
    {
        var line = new StringBuilder();
        for (var c = 0; c < cells.Length; c++)
        {
            line.Append(c == cells.Length - 1 ? cells[c] : cells[c].PadRight(widths[c] + 3));
        }
        sb.Append(line.ToString().TrimEnd()).Append('\n');
    }
}
