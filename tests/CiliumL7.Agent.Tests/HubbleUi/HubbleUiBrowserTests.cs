using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CiliumL7.Agent.Tests.Support;
using CiliumL7.TestSupport;
using Xunit.Abstractions;

namespace CiliumL7.Agent.Tests.HubbleUi;

/// <summary>
/// The Hubble UI (<c>ciliuml7 hubble ui</c> from bin/) in headless chromium against a real agent
/// running the Death Star world with the tutorial's L7 policy: the service map's edges and their
/// HTTP items, the flow table's filters and detail panel, a screenshot; then an audited policy's
/// decisions on the map (dashed violet edge, ⚠ items, AUDIT rows) and the "Generate policy" button.
/// </summary>
public sealed partial class HubbleUiBrowserTests(ITestOutputHelper output)
{
    private const string TiefighterEdge = "default/tiefighter->default/deathstar";
    private const string XwingEdge = "default/xwing->default/deathstar";

    [SkippableFact]
    public async Task HubbleUi_DeathStarWorld_MapShowsL7VerdictsAndFiltersWork()
    {
        Privileged.Require();
        if (Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip.IfNot(File.Exists(HeadlessChromium.Path), "chromium is not installed (scripts/bootstrap.sh installs it)");
        }
        Assert.True(File.Exists(HeadlessChromium.Path), "chromium is not installed: scripts/bootstrap.sh installs it (apt-get install chromium)");
        await using var node = await AgentNode.StartAsync(output, ["--hubble-ui-listen-address", "127.0.0.1:12000"]);
        var deathstar = node.CreatePod("deathstar", "org=empire,class=deathstar");
        var tiefighter = node.CreatePod("tiefighter", "org=empire,class=tiefighter");
        var xwing = node.CreatePod("xwing", "org=alliance,class=xwing");
        node.Serve(deathstar, 80);
        var import = node.Cli("policy", "import", RepoPaths.Combine("examples", "deathstar", "sw_l3_l4_l7_policy.yaml"));
        Assert.True(import.ExitCode == 0, import.All);
        Assert.True(await AgentNode.EventuallyAsync(async () => (await node.Client.GetEndpointAsync(deathstar.Endpoint.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)))?.PolicyIngressEnforced == true));
        await Task.Delay(300);

        // The tutorial's traffic: a landing (allowed), the exhaust port (403), the xwing (dropped).
        var url = $"http://{deathstar.Ip}";
        Assert.Equal(0, AgentNode.Curl(tiefighter, url + "/v1/request-landing", 5, "-XPOST", "--fail").ExitCode);
        Assert.Equal(22, AgentNode.Curl(tiefighter, url + "/v1/exhaust-port", 5, "-XPUT", "--fail").ExitCode);
        Assert.Equal(28, AgentNode.Curl(xwing, url + "/v1/request-landing", 2, "-XPOST").ExitCode);

        // The agent serves the UI too (--hubble-ui-listen-address, inside its node netns).
        var agentUi = node.InNode("curl", "-s", "--max-time", "5", "http://127.0.0.1:12000/");
        Assert.Contains("<title>Hubble UI", agentUi.Stdout, StringComparison.Ordinal);

        // :: The CLI's UI, in this namespace on a free loopback port, reading the agent's Hubble socket.
        using var ui = new OwnedProcess(StartUi(node));
        var address = await ReadAddressAsync(ui.Process);
        await using var chromium = await HeadlessChromium.StartAsync();
        await chromium.NavigateAsync(address);

        // :: The service map.
        var items = await chromium.WaitForAsync($$"""
            (() => { const l = document.querySelector('[data-edge-label="{{TiefighterEdge}}"]');
              if (!l) return null;
              const s = [...l.querySelectorAll('text')].map(t => t.dataset.item + '=' + t.dataset.verdict).join(',');
              return s.includes('PUT /v1/exhaust-port') && s.includes('POST /v1/request-landing') ? s : null; })()
            """, TimeSpan.FromSeconds(30));
        output.WriteLine("tiefighter edge: " + items);
        if (items is null)
        {
            var page = await chromium.EvaluateAsync("""
                JSON.stringify({ edges: [...document.querySelectorAll('[data-edge-label]')].map(l => l.dataset.edgeLabel + ': ' + [...l.querySelectorAll('text')].map(t => t.dataset.item + '=' + t.dataset.verdict).join(',')),
                  rows: document.querySelectorAll('#flows tbody tr').length, text: document.body.innerText.slice(0, 800) })
                """);
            Assert.Fail("no tiefighter edge with both HTTP items; the page: " + page);
        }
        Assert.Contains("POST /v1/request-landing=allowed", (string)items!, StringComparison.Ordinal);
        Assert.Contains("PUT /v1/exhaust-port=denied", (string)items!, StringComparison.Ordinal);
        var xwingEdge = await chromium.WaitForAsync($$"""
            (() => { const e = document.querySelector('[data-edge="{{XwingEdge}}"]');
              return e ? e.dataset.verdict + '|' + getComputedStyle(e.querySelector('line')).stroke : null; })()
            """, TimeSpan.FromSeconds(10));
        Assert.Equal("denied|rgb(220, 38, 38)", (string?)xwingEdge);
        Assert.Equal("default", (string?)await chromium.EvaluateAsync("[...document.querySelectorAll('#ns option')].map(o => o.value).filter(v => v).join(',')"));

        // :: The flow table's filters.
        var dropped = await Filter(chromium, "f-verdict", "DROPPED");
        Assert.True(dropped.Count > 0, "no DROPPED rows");
        Assert.All(dropped, r => Assert.Equal("DROPPED", (string?)r!["verdict"]));
        var xwingRows = await Filter(chromium, "f-pod", "xwing");
        Assert.True(xwingRows.Count > 0);
        Assert.All(xwingRows, r => Assert.Contains("xwing", (string)r!["text"]!, StringComparison.Ordinal));
        await chromium.EvaluateAsync("document.getElementById('f-clear').click()");
        var forbidden = await Filter(chromium, "f-status", "403");
        Assert.True(forbidden.Count > 0, "no 403 rows");
        Assert.All(forbidden, r => Assert.Contains("403 PUT", (string)r!["text"]!, StringComparison.Ordinal));
        var http = await Filter(chromium, "f-proto", "http");
        Assert.True(http.Count > 0);
        await chromium.EvaluateAsync("document.getElementById('f-clear').click()");
        var all = await Filter(chromium, "f-verdict", "");
        Assert.True(all.Count > dropped.Count);

        // :: The detail panel: the whole flow as JSON.
        var detail = await chromium.EvaluateAsync("""
            (() => { document.querySelector('#flows tbody tr[data-verdict="DROPPED"]').click();
              const pane = document.getElementById('detail-pane');
              return pane.hidden ? null : document.getElementById('detail').textContent; })()
            """);
        Assert.Contains("\"verdict\": \"DROPPED\"", (string)detail!, StringComparison.Ordinal);
        await chromium.EvaluateAsync("document.getElementById('detail-close').click()");
        Assert.Equal("none", (string?)await chromium.EvaluateAsync("getComputedStyle(document.getElementById('detail-pane')).display"));

        // :: A screenshot (the README's, when CILIUML7_UI_SCREENSHOT names where to put it).
        var png = await chromium.ScreenshotAsync();
        Assert.True(png.Length > 10_000 && png[0] == 0x89 && png[1] == (byte)'P', "not a PNG screenshot");
        var target = Environment.GetEnvironmentVariable("CILIUML7_UI_SCREENSHOT") ?? Path.Combine(node.TempDir, "hubble-ui.png");
        await File.WriteAllBytesAsync(target, png);
        output.WriteLine("screenshot: " + target);

        // :: Audited decisions on the map: a strict policy in audit mode on a second target (nothing refused).
        var outpost = node.CreatePod("outpost", "org=empire,class=outpost");
        var probe = node.CreatePod("probe", "org=alliance,class=probe");
        node.Serve(outpost, 80);
        var strict = Path.Combine(node.TempDir, "outpost-strict.yaml");
        await File.WriteAllTextAsync(strict, """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata:
              name: outpost-strict
            spec:
              endpointSelector:
                matchLabels: {class: outpost}
              ingress:
              - fromEndpoints:
                - matchLabels: {org: empire}
                toPorts:
                - ports: [{port: "80", protocol: TCP}]
                  rules:
                    http:
                    - method: POST
                      path: /v1/request-landing
            """);
        var audit = node.Cli("policy", "import", "--audit", strict);
        Assert.True(audit.ExitCode == 0, audit.All);
        Assert.True(await AgentNode.EventuallyAsync(async () => (await node.Client.GetEndpointAsync(outpost.Endpoint.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)))?.PolicyIngressEnforced == true));
        await Task.Delay(300);
        var outpostUrl = $"http://{outpost.Ip}";
        Assert.Equal(0, AgentNode.Curl(probe, outpostUrl + "/v1/request-landing", 5, "-XPOST", "--fail").ExitCode);
        Assert.Equal(0, AgentNode.Curl(tiefighter, outpostUrl + "/v1/exhaust-port", 5, "-XPUT", "--fail").ExitCode);
        Assert.Equal(0, AgentNode.Curl(tiefighter, outpostUrl + "/v1/request-landing", 5, "-XPOST", "--fail").ExitCode);

        // The probe's edge is dashed violet (audited: passed, the audited policy would have dropped it);
        // the tiefighter's edge marks the PUT ⚠ audited and the POST ✓ allowed.
        var probeEdge = await chromium.WaitForAsync("""
            (() => { const e = document.querySelector('[data-edge="default/probe->default/outpost"]');
              if (!e || e.dataset.audited !== 'true') return null;
              const line = getComputedStyle(e.querySelector('line'));
              return line.stroke + '|' + line.strokeDasharray; })()
            """, TimeSpan.FromSeconds(30));
        Assert.Equal("rgb(124, 58, 237)|7px, 4px", (string?)probeEdge);
        var tieItems = await chromium.WaitForAsync("""
            (() => { const l = document.querySelector('[data-edge-label="default/tiefighter->default/outpost"]');
              if (!l) return null;
              const s = [...l.querySelectorAll('text')].map(t => t.dataset.item + '=' + t.dataset.verdict + '=' + t.textContent.slice(0, 1)).join(',');
              return s.includes('PUT /v1/exhaust-port') && s.includes('POST /v1/request-landing') ? s : null; })()
            """, TimeSpan.FromSeconds(30));
        Assert.Contains("PUT /v1/exhaust-port=audited=⚠", (string?)tieItems ?? "(no edge)", StringComparison.Ordinal);
        Assert.Contains("POST /v1/request-landing=allowed=✓", (string?)tieItems ?? "(no edge)", StringComparison.Ordinal);
        var auditRows = await Filter(chromium, "f-verdict", "AUDIT");
        Assert.True(auditRows.Count >= 2, "no AUDIT rows");
        Assert.All(auditRows, r => Assert.Equal("AUDIT", (string?)r!["verdict"]));
        await chromium.EvaluateAsync("document.getElementById('f-clear').click()");

        // :: "Generate policy" for the outpost: a click on its node, then on the button; the policy the page shows
        //    is what `policy generate --from-flows --verify` gives (the observed PUT included, every flow replayed).
        var opened = await chromium.EvaluateAsync("""
            (() => { document.querySelector('[data-node="default/outpost"]').dispatchEvent(new MouseEvent('click', { bubbles: true }));
              return document.getElementById('detail-actions').hidden ? null : document.getElementById('detail-title').textContent; })()
            """);
        Assert.Equal("Workload default/outpost", (string?)opened);
        await chromium.EvaluateAsync("document.getElementById('gen-policy').click()");
        var generated = await chromium.WaitForAsync("""
            (() => { const s = document.getElementById('gen-status').textContent;
              return s.startsWith('generating') || s === '' ? null : s + '\n' + document.getElementById('detail').textContent; })()
            """, TimeSpan.FromSeconds(30));
        output.WriteLine("generated: " + generated);
        var text = (string?)generated ?? "(nothing)";
        Assert.Matches(@"^\d+ policy\(ies\) from \d+ flow\(s\); verify ok\n", text);
        Assert.Contains("kind: CiliumNetworkPolicy", text, StringComparison.Ordinal);
        Assert.Contains("name: outpost-generated", text, StringComparison.Ordinal);
        Assert.Contains("class: 'probe'", text, StringComparison.Ordinal);
        Assert.Matches(@"# verify: (\d+)/\1 observed flow\(s\) ALLOWED", text);
        Assert.Contains("path: '/v1/exhaust-port'", text, StringComparison.Ordinal);
        Assert.Contains("path: '/v1/request-landing'", text, StringComparison.Ordinal);
        Assert.DoesNotContain(outpost.Ip, text, StringComparison.Ordinal);
    }

    /// <summary>Sets a filter control and returns the table's rows (verdict + text).</summary>
    private static async Task<JsonArray> Filter(HeadlessChromium chromium, string id, string value)
    {
        var rows = await chromium.EvaluateAsync($$"""
            (async () => { const c = document.getElementById('{{id}}'); c.value = '{{value}}';
              c.dispatchEvent(new Event('change')); await new Promise(r => setTimeout(r, 100));
              return [...document.querySelectorAll('#flows tbody tr')].map(r => ({ verdict: r.dataset.verdict, text: r.textContent })); })()
            """);
        return rows!.AsArray();
    }

    private static Process StartUi(AgentNode node)
    {
        var psi = new ProcessStartInfo(AgentNode.Bin("ciliuml7")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "hubble", "ui", "--server", "unix://" + Path.Combine(node.StateDir, "hubble.sock"), "--listen", "127.0.0.1:0" })
        {
            psi.ArgumentList.Add(a);
        }
        return Process.Start(psi)!;
    }

    /// <summary>A process this test started, killed by its PID on dispose.</summary>
    private sealed class OwnedProcess(Process process) : IDisposable
    {
        public Process Process { get; } = process;

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill();
            }
            Process.WaitForExit(10_000);
            Process.Dispose();
        }
    }

    /// <summary>The address `hubble ui` prints (other lines, e.g. logs, may come first); bounded, never waits for the process to end.</summary>
    private static async Task<string> ReadAddressAsync(Process ui)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var seen = new System.Text.StringBuilder();
        try
        {
            while (await ui.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (UrlRegex().Match(line) is { Success: true } m)
                {
                    return m.Value;
                }
                seen.AppendLine(line);
            }
        }
        catch (OperationCanceledException)
        {
        }
        Assert.Fail("hubble ui printed no address within 30 s; its output:\n" + seen);
        return "";
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/?")]
    private static partial Regex UrlRegex();
}
