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

    /// <summary>
    /// A scheduling hint, never a decision: true when <see cref="LearnAsync"/> may have datapath
    /// writes to do for <paramref name="observation"/> (and so may wait on a lock for a while);
    /// false when every address is already known, so it returns at once. The proxy then finishes
    /// the answer on the thread that received it instead of handing it to the thread pool.
    /// </summary>
    bool MayWrite(FqdnObservation observation) => true;
}
