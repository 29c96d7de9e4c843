using System.Globalization;

namespace CiliumL7.Agent.Tests.Support;

/// <summary>Raw requests to the agent's REST socket with curl (bad input the typed client would never send).</summary>
internal static class RestCall
{
    public sealed record Response(int Status, string Body);

    /// <summary>Sends <paramref name="body"/> (from a temp file, so any size works) and returns status and body.</summary>
    public static Response Send(string socket, string method, string path, string? contentType, string? body)
    {
        var file = body is null ? null : Path.Combine(Path.GetTempPath(), $"cl7-rest-{Guid.NewGuid():N}");
        try
        {
            var args = new List<string> { "-s", "--max-time", "30", "--unix-socket", socket, "-X", method, "-w", "\n%{http_code}" };
            // null: no Content-Type at all (curl would otherwise send a form type with --data-binary)
            args.AddRange(["-H", contentType is null ? "Content-Type:" : "Content-Type: " + contentType]);
            if (file is not null)
            {
                File.WriteAllText(file, body);
                args.AddRange(["--data-binary", "@" + file]);
            }
            args.Add("http://localhost" + path);
            var r = Cmd.Run("curl", args, TimeSpan.FromSeconds(45));
            var cut = r.Stdout.LastIndexOf('\n');
            return new Response(int.Parse(r.Stdout[(cut + 1)..].Trim(), CultureInfo.InvariantCulture), r.Stdout[..Math.Max(cut, 0)]);
        }
        finally
        {
            if (file is not null)
            {
                File.Delete(file);
            }
        }
    }
}
