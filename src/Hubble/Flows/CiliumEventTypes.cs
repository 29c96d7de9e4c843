namespace CiliumL7.Hubble.Flows;

/// <summary>
/// Cilium monitor message types, the <c>event_type.type</c> of a flow
/// (Cilium's monitor event types) and the names <c>observe --type</c> accepts.
/// </summary>
public static class CiliumEventTypes
{
    /// <summary>Datapath drop; sub_type is the drop reason (133 POLICY_DENIED, 181 POLICY_DENY, ...).</summary>
    public const int Drop = 1;

    /// <summary>Datapath debug message.</summary>
    public const int Debug = 2;

    /// <summary>Datapath debug capture.</summary>
    public const int Capture = 3;

    /// <summary>Trace (packet observed at a point); sub_type is the observation point.</summary>
    public const int Trace = 4;

    /// <summary>Policy verdict for a new connection.</summary>
    public const int PolicyVerdict = 5;

    /// <summary>Socket-level trace.</summary>
    public const int TraceSock = 7;

    /// <summary>L7 access log (proxy request/response).</summary>
    public const int AccessLog = 129;

    /// <summary>Agent notification.</summary>
    public const int Agent = 130;

    /// <summary>Maps an <c>observe --type</c> name (drop, trace, policy-verdict, l7, ...) to its number.</summary>
    public static bool TryParseName(string name, out int type)
    {
        type = name switch
        {
            "drop" => Drop,
            "debug" => Debug,
            "capture" => Capture,
            "trace" => Trace,
            "policy-verdict" => PolicyVerdict,
            "trace-sock" => TraceSock,
            "l7" => AccessLog,
            "agent" => Agent,
            _ => -1,
        };
        return type >= 0;
    }
}
