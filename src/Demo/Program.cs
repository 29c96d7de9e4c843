using System.Net;

namespace CiliumL7.Demo;

/// <summary>
/// <c>ciliuml7-deathstar</c>: the tutorial's Death Star service, run inside each
/// deathstar pod. It answers like the seed's app: <c>POST /v1/request-landing</c>
/// lands a ship, <c>PUT /v1/exhaust-port</c> blows the station up, <c>GET /v1</c>
/// describes it.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var listen = "0.0.0.0:80";
        var name = Environment.GetEnvironmentVariable("HOSTNAME") ?? Dns.GetHostName();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--listen" when i + 1 < args.Length:
                    listen = args[++i];
                    break;
                case "--name" when i + 1 < args.Length:
                    name = args[++i];
                    break;
                case "-h" or "--help":
                    Console.WriteLine("usage: ciliuml7-deathstar [--listen ADDR:PORT] [--name POD]");
                    return 0;
                default:
                    Console.Error.WriteLine($"ciliuml7-deathstar: unknown argument \"{args[i]}\" (try --help)");
                    return 2;
            }
        }
        if (!IPEndPoint.TryParse(listen, out var endpoint))
        {
            Console.Error.WriteLine($"ciliuml7-deathstar: --listen \"{listen}\" is not ADDR:PORT (e.g. 0.0.0.0:80)");
            return 2;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(endpoint);
        });
        var app = builder.Build();
        DeathStarApi.Map(app, name);
        app.Run();
        return 0;
    }
}
