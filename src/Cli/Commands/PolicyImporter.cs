using System.Diagnostics;
using System.Globalization;
using System.CommandLine.Parsing;
using CiliumL7.Client;
using CiliumL7.Client.Models;
using CiliumL7.Hubble.Client;

namespace CiliumL7.Cli;

/// <summary>
/// <c>ciliuml7 policy import</c> for one file: send it, then wait (bounded by
/// <c>--wait-timeout</c>, counted from the start of the import) until the agent
/// reports the imported revision in force. Every way this can end says what
/// happened and what to do next; nothing ends silently.
/// <code>
///  read FILE ─► PUT /v1/policy ─► revision R ─► poll /v1/status until applied ≥ R
///      │              │ 400: every error             │ apply error for ≥ R → exit 1
///      └ exit 1       │ no answer in time → exit 3   └ not in time → exit 3
/// </code>
/// </summary>
internal sealed class PolicyImporter
{
    /// <summary>Default of <c>--wait-timeout</c>.</summary>
    public static readonly TimeSpan DefaultWaitTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Exit code when the agent did not confirm the policy applied in time.</summary>
    public const int ExitTimedOut = 3;

    private readonly AgentClient _client;
    private readonly TimeSpan _timeout;
    private readonly bool _wait;
    private readonly string _hostFlag;
    private readonly TextWriter _out;
    private readonly TextWriter _err;

    public PolicyImporter(AgentClient client, TimeSpan timeout, bool wait, string? host, TextWriter output, TextWriter error)
    {
        _client = client;
        _timeout = timeout;
        _wait = wait;
        _hostFlag = string.IsNullOrEmpty(host) ? "" : " -H " + host;
        _out = output;
        _err = error;
    }

    /// <summary>Import in audit mode (<c>--audit</c>): every document gets the <c>ciliuml7.io/audit: "true"</c> annotation.</summary>
    public bool Audit { get; init; }

    /// <summary>Imports one file; returns its exit code (0, 1 or <see cref="ExitTimedOut"/>).</summary>
    public async Task<int> ImportAsync(string file, CancellationToken ct)
    {
        // :: Step 1: read the file.
        string text;
        try
        {
            text = await File.ReadAllTextAsync(file, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _err.WriteLine($"Error: {file}: {e.Message}");
            return 1;
        }

        if (Audit)
        {
            text = CiliumL7.Policy.Api.AuditAnnotator.Annotate(text);
        }

        // :: Step 2: the agent validates and stores it (bounded by the same deadline).
        var clock = Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(_timeout);
        PolicyImportResult result;
        try
        {
            result = await _client.ImportPolicyAsync(text, file, deadline.Token).ConfigureAwait(false);
        }
        catch (AgentException e)
        {
            _err.WriteLine($"Error: {file} rejected: {e.Message}");
            foreach (var error in e.Errors)
            {
                _err.WriteLine("  " + error);
            }
            return 1;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            _err.WriteLine($"Error: {file}: the agent at unix://{_client.SocketPath} did not answer the import within {Seconds(_timeout)}; it may still be validating and applying the policy.");
            Hints(file);
            return ExitTimedOut;
        }
        foreach (var name in result.Imported)
        {
            _out.WriteLine($"Imported {name} from {file}" + (Audit ? " (audit mode: evaluated, not enforced)" : ""));
        }
        _out.WriteLine($"Revision: {result.Revision}");
        if (!_wait)
        {
            return 0;
        }

        // :: Step 3: wait until the agent reports that revision (or a newer one) in force.
        var wait = await _client.WaitForPolicyAppliedAsync(result.Revision, _timeout - clock.Elapsed, ct).ConfigureAwait(false);
        var what = result.Imported.Count == 1 ? result.Imported[0] : $"{result.Imported.Count} resources";
        if (wait.Applied)
        {
            _out.WriteLine($"Applied revision {wait.AppliedRevision} in {Seconds(clock.Elapsed)}");
            return 0;
        }
        if (wait.Error is not null)
        {
            _err.WriteLine($"Error: {file}: {what} was imported (revision {result.Revision}) but the agent failed to apply it: {wait.Error}");
            _err.WriteLine($"  The previous policy stays in force. See the agent log and `ciliuml7 status{_hostFlag}`.");
            return 1;
        }
        _err.WriteLine($"Error: {file}: {what} was imported (revision {result.Revision}), but the agent did not report the policy applied within {Seconds(_timeout)} (applied revision: {wait.AppliedRevision}).");
        Hints(file);
        return ExitTimedOut;
    }

    /// <summary>Parses <c>--wait-timeout</c>: a Go-style duration (<c>90s</c>, <c>2m</c>, <c>1m30s</c>) or plain seconds.</summary>
    public static TimeSpan? ParseWaitTimeout(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }
        if (TimeArgument.TryParseDuration(text, out var duration) && duration > TimeSpan.Zero)
        {
            return duration;
        }
        result.AddError($"--wait-timeout: \"{text}\" is not a positive duration (use e.g. 30s, 2m or 1m30s)");
        return DefaultWaitTimeout;
    }

    private void Hints(string file)
    {
        _err.WriteLine($"  The agent may still apply it. Check with `ciliuml7 policy get{_hostFlag}` (is it listed?) and `ciliuml7 status{_hostFlag}` (Policies: revision, applied).");
        _err.WriteLine($"  To wait longer: ciliuml7 policy import --wait-timeout {Seconds(_timeout * 4)}{_hostFlag} {file}");
    }

    private static string Seconds(TimeSpan t) => AgentTimeoutException.FormatSeconds(TimeSpan.FromSeconds(Math.Round(t.TotalSeconds, 1)));
}
