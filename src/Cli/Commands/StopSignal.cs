namespace CiliumL7.Cli;

/// <summary>For commands that serve until stopped (<c>hubble ui</c>, <c>hubble relay</c>).</summary>
internal static class StopSignal
{
    /// <summary>
    /// Returns on Ctrl-C (<paramref name="ct"/>) or SIGTERM; SIGTERM is taken here, else the web server
    /// inside would take the signal for itself.
    /// </summary>
    public static async Task WaitAsync(CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx =>
        {
            ctx.Cancel = true;
            stop.Cancel();
        });
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
