namespace CiliumL7.Datapath;

/// <summary>The outcome of one BPF_PROG_TEST_RUN.</summary>
/// <param name="ReturnCode">The tc verdict: 0 TC_ACT_OK, 2 TC_ACT_SHOT, 7 TC_ACT_REDIRECT.</param>
/// <param name="Mark">skb-&gt;mark after the run.</param>
/// <param name="Packet">The packet after the run.</param>
public sealed record ProgramTestResult(int ReturnCode, uint Mark, byte[] Packet)
{
    /// <summary>TC_ACT_OK.</summary>
    public const int TcActOk = 0;

    /// <summary>TC_ACT_SHOT.</summary>
    public const int TcActShot = 2;

    /// <summary>TC_ACT_REDIRECT.</summary>
    public const int TcActRedirect = 7;

    /// <summary>The kernel's average run time over the repetitions, in nanoseconds.</summary>
    public uint AverageDurationNs { get; init; }
}
