namespace CiliumL7.Proxy.Dns;

/// <summary>Learns nothing: the DNS proxy without <c>toFQDNs</c> support behind it.</summary>
public sealed class NullFqdnLearner : IFqdnLearner
{
    /// <summary>The shared instance.</summary>
    public static NullFqdnLearner Instance { get; } = new();

    /// <inheritdoc />
    public ValueTask LearnAsync(FqdnObservation observation, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public bool MayWrite(FqdnObservation observation) => false;
}
