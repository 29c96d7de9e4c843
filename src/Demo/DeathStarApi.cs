namespace CiliumL7.Demo;

/// <summary>The Death Star's HTTP API, as the tutorial's app exposes it.</summary>
internal static class DeathStarApi
{
    /// <summary>The body of <c>PUT /v1/exhaust-port</c>: a panic and its trace.</summary>
    public const string ExplosionBody =
        "Panic: deathstar exploded\n\n" +
        "goroutine 1 [running]:\n" +
        "main.HandleGarbage(0x2080c3f50, 0x2, 0x4, 0x425c0, 0x5, 0xa)\n" +
        "\t/code/src/github.com/empire/deathstar/\n" +
        "\ttemp/main.go:9 +0x64\n" +
        "main.main()\n" +
        "\t/code/src/github.com/empire/deathstar/\n" +
        "\ttemp/main.go:5 +0x85\n";

    public static void Map(WebApplication app, string podName)
    {
        app.MapGet("/v1", () => Results.Text(Description(podName), "application/json"));
        app.MapGet("/v1/healthz", () => Results.Text("{\"status\":\"ok\"}\n", "application/json"));
        app.MapPost("/v1/request-landing", () => Results.Text("Ship landed\n", "text/plain"));
        app.MapPut("/v1/cargobay", () => Results.Text("Cargo loaded\n", "text/plain"));
        app.MapGet("/v1/hyper-matter-reactor/status", () => Results.Text("Reactor status: nominal\n", "text/plain"));
        app.MapPut("/v1/exhaust-port", () => Results.Text(ExplosionBody, "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable));
    }

    private static string Description(string podName) =>
        "{\n" +
        "\t\"name\": \"Death Star\",\n" +
        $"\t\"hostname\": \"{podName}\",\n" +
        "\t\"model\": \"DS-1 Orbital Battle Station\",\n" +
        "\t\"manufacturer\": \"Imperial Department of Military Research, Sienar Fleet Systems\",\n" +
        "\t\"cost_in_credits\": \"1000000000000\",\n" +
        "\t\"length\": \"120000\",\n" +
        "\t\"crew\": \"342953\",\n" +
        "\t\"passengers\": \"843342\",\n" +
        "\t\"cargo_capacity\": \"1000000000000\",\n" +
        "\t\"hyperdrive_rating\": \"4.0\",\n" +
        "\t\"starship_class\": \"Deep Space Mobile Battlestation\",\n" +
        "\t\"api\": [\n" +
        "\t\t\"GET   /v1\",\n" +
        "\t\t\"GET   /v1/healthz\",\n" +
        "\t\t\"POST  /v1/request-landing\",\n" +
        "\t\t\"PUT   /v1/cargobay\",\n" +
        "\t\t\"GET   /v1/hyper-matter-reactor/status\",\n" +
        "\t\t\"PUT   /v1/exhaust-port\"\n" +
        "\t]\n" +
        "}\n";
}
