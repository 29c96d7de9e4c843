namespace CiliumL7.Proxy.Dns;

/// <summary>
/// Learns the addresses that an allowed DNS answer gave a pod, for <c>toFQDNs</c>
/// policy. The DNS proxy calls it for every allowed answer and holds the answer
/// until the returned task completes, so a pod never connects to an address before
/// the datapath allows it; a fault, or no completion within the proxy's maximum
/// delay, gets the pod SERVFAIL instead of the answer.
/// </summary>
public interface IFqdnLearner
{
    /// <summary>
    /// Records <paramref name="observation"/> and completes once every policy map
    /// entry it unlocks is written. Must not throw for bad data; it is called on
    /// the DNS path and must be thread-safe.
    /// </summary>
    ValueTask LearnAsync(FqdnObservation observation, CancellationToken cancellationToken);
}
