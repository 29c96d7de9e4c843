namespace CiliumL7.Policy.Resolution;

/// <summary>Protocol plus port or port range of a policy entry (port 0 = any).</summary>
internal readonly record struct PortKey(byte Protocol, ushort Port, ushort EndPort)
{
    public static PortKey Any { get; } = new(0, 0, 0);

    public int Lo => Port == 0 ? 0 : Port;

    public int Hi => Port == 0 ? 65535 : EndPort;

    public bool IsExactPort => Port != 0 && Port == EndPort;

    public bool Covers(PortKey other) =>
        (Protocol == 0 || Protocol == other.Protocol) && Lo <= other.Lo && Hi >= other.Hi;

    public bool Overlaps(PortKey other) =>
        (Protocol == 0 || other.Protocol == 0 || Protocol == other.Protocol) && Lo <= other.Hi && other.Lo <= Hi;

    public static PortKey FromRange(byte protocol, int lo, int hi) =>
        lo <= 0 && hi >= 65535 ? new PortKey(protocol, 0, 0) : new PortKey(protocol, (ushort)Math.Max(lo, 1), (ushort)hi);
}
