namespace CiliumL7.Cli;

/// <summary>Left-aligned columns separated by three spaces; a cell may span several lines (like Cilium's label column).</summary>
internal sealed class TableWriter
{
    private readonly string[] _headers;
    private readonly List<string[][]> _rows = [];

    public TableWriter(params string[] headers) => _headers = headers;

    public void Add(params object?[] cells) => _rows.Add([.. cells.Select(Lines)]);

    private static string[] Lines(object? cell) => cell switch
    {
        string s => [s],
        IEnumerable<string> lines => lines.DefaultIfEmpty("").ToArray(),
        _ => [cell?.ToString() ?? ""],
    };

    public void WriteTo(TextWriter output)
    {
        var widths = _headers.Select(h => h.Length).ToArray();
        foreach (var row in _rows)
        {
            for (var i = 0; i < row.Length && i < widths.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Max(l => l.Length));
            }
        }
        WriteLine(output, _headers, widths);
        foreach (var row in _rows)
        {
            var height = row.Max(c => c.Length);
            for (var line = 0; line < height; line++)
            {
                WriteLine(output, [.. row.Select(c => line < c.Length ? c[line] : "")], widths);
            }
        }
    }

    private static void WriteLine(TextWriter output, string[] cells, int[] widths)
    {
        var parts = new string[cells.Length];
        for (var i = 0; i < cells.Length; i++)
        {
            parts[i] = i == cells.Length - 1 ? cells[i] : cells[i].PadRight(widths[i]);
        }
        output.WriteLine(string.Join("   ", parts).TrimEnd());
    }
}
