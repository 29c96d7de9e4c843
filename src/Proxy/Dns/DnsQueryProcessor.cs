using System.Diagnostics;
using System.Net;
using CiliumL7.Policy;
using CiliumL7.Policy.L7;
using CiliumL7.Proxy.Flows;
using CiliumL7.Proxy.Metrics;

namespace CiliumL7.Proxy.Dns;

/// <summary>
/// One DNS query from a pod, the same for UDP and TCP:
/// <code>
///  1 parse (bounded; unparsable → FORMERR when the header is readable, else nothing; never forwarded)
///  2 admission (in flight, total and per pod) → SERVFAIL when over
///  3 judge the question's name against the redirect's DnsRuleSet for the server's identity
///      deny → REFUSED (or NXDOMAIN), nothing sent upstream
///  4 forward to the original destination (DnsUpstream); timeout / error / unparsable
///    or mismatched answer → SERVFAIL
///  5 learn the answer's addresses (IFqdnLearner), holding the answer until it completes;
///    a failure, or no completion within ProxyOptions.DnsResponseMaxDelay → SERVFAIL
///  6 the answer bytes go back unchanged (same id, same question; TC passes through)
/// </code>
/// Every query and answer is an L7 flow (DNS fields) and counted in the DNS counters.
/// </summary>
internal sealed class DnsQueryProcessor(ProxyRedirect redirect, ProxyRuntime runtime)
{
    /// <summary>Largest DNS message (TCP's two-byte length).</summary>
    public const int MaxMessage = 65535;

    private readonly ProtocolCounters _counters = runtime.Counters.For(ProxyType.Dns);

    /// <summary>
    /// Handles <paramref name="query"/> from <paramref name="client"/> to <paramref name="server"/>;
    /// writes the answer to send into <paramref name="answer"/> (at least <see cref="MaxMessage"/>
    /// bytes) and returns its length, or 0 when nothing is to be sent.
    /// </summary>
    public async Task<int> ProcessAsync(ReadOnlyMemory<byte> query, IPEndPoint client, IPEndPoint server, bool tcp, Memory<byte> answer, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        _counters.Received();

        // :: Step 1: parse.
        var error = DnsMessageParser.ParseQuery(query.Span, out var question);
        if (error != DnsParseError.None)
        {
            _counters.ParseError();
            Log.DnsRejected(runtime.Logger, client, redirect.ProxyPort, error.ToString());
            return query.Length >= DnsMessageParser.HeaderLength && (query.Span[2] & 0x80) == 0
                ? DnsResponses.Write(query.Span, DnsMessageParser.HeaderLength, DnsResponses.FormErr, answer.Span)
                : 0;
        }

        // :: Step 2: admission.
        if (!runtime.DnsAdmission.TryEnter(client.Address))
        {
            _counters.Denied();
            Log.DnsRejected(runtime.Logger, client, redirect.ProxyPort, "too many queries in flight");
            return Local(query, question, client, server, tcp, DnsResponses.ServFail, FlowVerdict.Error, null, started, answer);
        }
        try
        {
            // :: Step 3: judge.
            var key = redirect.Key;
            var clientPeer = runtime.Peers.Resolve(client.Address) ?? PeerInfo.World;
            var serverPeer = runtime.Peers.Resolve(server.Address) ?? PeerInfo.World;
            var remote = key.Direction == TrafficDirection.Egress ? serverPeer : clientPeer;
            var rules = runtime.Policy?.GetRules<DnsRuleSet>(key, remote.Identity);
            var verdict = rules is null ? new L7Verdict(false, null) : rules.Judge(question.Name.AsSpan());
            var requestId = runtime.NextRequestId();
            var flows = new DnsFlowPublisher(runtime, redirect, client, clientPeer, server, serverPeer, question, tcp, requestId);
            if (!verdict.Allowed)
            {
                _counters.Denied();
                flows.Request(FlowVerdict.Dropped, verdict.PolicyName);
                var rcode = (int)runtime.Options.DnsRejectResponseCode;
                flows.Response(FlowVerdict.Dropped, verdict.PolicyName, rcode, null, started);
                return DnsResponses.Write(query.Span, question.QuestionEnd, rcode, answer.Span);
            }
            _counters.Forwarded();
            // Audit mode: a query the rules would refuse is forwarded, its request flow AUDIT naming the policy.
            flows.Request(verdict.Audited ? FlowVerdict.Audit : FlowVerdict.Forwarded, verdict.PolicyName);

            // :: Step 4: forward.
            int length;
            DnsAnswer? parsed;
            try
            {
                length = await DnsUpstream.ExchangeAsync(runtime.Options, runtime.DnsUpstreams, query, client.Address, server, tcp, answer, cancellationToken).ConfigureAwait(false);
                var answerError = DnsMessageParser.ParseAnswer(answer.Span[..length], out parsed);
                if (answerError != DnsParseError.None || parsed is null || parsed.Id != question.Id
                    || parsed.Name != question.Name || parsed.Type != question.Type || parsed.Class != question.Class)
                {
                    _counters.ParseError();
                    Log.DnsUpstreamFailed(runtime.Logger, server, "answer not understood or not for this question: " + (answerError == DnsParseError.None ? "question differs" : answerError.ToString()));
                    flows.Response(FlowVerdict.Error, verdict.PolicyName, DnsResponses.ServFail, null, started);
                    return DnsResponses.Write(query.Span, question.QuestionEnd, DnsResponses.ServFail, answer.Span);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or System.Net.Sockets.SocketException or IOException)
            {
                Log.DnsUpstreamFailed(runtime.Logger, server, e.Message);
                flows.Response(FlowVerdict.Error, verdict.PolicyName, DnsResponses.ServFail, null, started);
                return cancellationToken.IsCancellationRequested ? 0 : DnsResponses.Write(query.Span, question.QuestionEnd, DnsResponses.ServFail, answer.Span);
            }

            // :: Step 5: learn before the pod sees the answer; when the datapath could not be
            // written in time (or at all), the pod gets SERVFAIL, never an answer that races it.
            if (parsed.Rcode == 0 && parsed.Addresses.Count > 0 && !await LearnAsync(parsed, question.Name, cancellationToken).ConfigureAwait(false))
            {
                flows.Response(FlowVerdict.Error, verdict.PolicyName, DnsResponses.ServFail, null, started);
                return cancellationToken.IsCancellationRequested ? 0 : DnsResponses.Write(query.Span, question.QuestionEnd, DnsResponses.ServFail, answer.Span);
            }

            // :: Step 6: the server's answer, unchanged.
            flows.Response(FlowVerdict.Forwarded, verdict.PolicyName, parsed.Rcode, parsed, started);
            return length;
        }
        finally
        {
            runtime.DnsAdmission.Leave(client.Address);
        }
    }

    private int Local(ReadOnlyMemory<byte> query, DnsQuestion question, IPEndPoint client, IPEndPoint server, bool tcp, int rcode, FlowVerdict verdict, string? policy, long started, Memory<byte> answer)
    {
        var clientPeer = runtime.Peers.Resolve(client.Address) ?? PeerInfo.World;
        var serverPeer = runtime.Peers.Resolve(server.Address) ?? PeerInfo.World;
        var flows = new DnsFlowPublisher(runtime, redirect, client, clientPeer, server, serverPeer, question, tcp, runtime.NextRequestId());
        flows.Request(verdict, policy);
        flows.Response(verdict, policy, rcode, null, started);
        return DnsResponses.Write(query.Span, question.QuestionEnd, rcode, answer.Span);
    }

    /// <summary>True when the answer's addresses are plumbed (or taught nothing new); false when the learner failed or took longer than the maximum delay.</summary>
    private async Task<bool> LearnAsync(DnsAnswer answer, string name, CancellationToken cancellationToken)
    {
        var observation = new FqdnObservation(redirect.Key.EndpointId, name, answer.Addresses, answer.Cnames, DateTimeOffset.UtcNow);
        try
        {
            if (DnsUdpUpstreamServer.OnReceiveThread && runtime.FqdnLearner.MayWrite(observation))
            {
                // Datapath writes may wait on a lock: not on the thread every answer from this server comes through.
                await Task.Yield();
            }
            var learning = runtime.FqdnLearner.LearnAsync(observation, cancellationToken);
            if (!learning.IsCompleted)
            {
                await learning.AsTask().WaitAsync(runtime.Options.DnsResponseMaxDelay, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await learning.ConfigureAwait(false);
            }
            return true;
        }
        catch (TimeoutException)
        {
            Log.DnsLearnSlow(runtime.Logger, name, runtime.Options.DnsResponseMaxDelay.TotalMilliseconds);
            return false;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.DnsLearnFailed(runtime.Logger, name, e);
            return false;
        }
    }
}
