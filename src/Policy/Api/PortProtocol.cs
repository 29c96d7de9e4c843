namespace CiliumL7.Policy.Api;

/// <summary>One <c>ports</c> item: a port (number or name), an optional range end, a protocol.</summary>
public sealed record PortProtocol
{
    /// <summary><c>port</c> as written: a number (<c>"80"</c>, <c>"0"</c> = any) or a named port.</summary>
    public string Port { get; init; } = "0";

    /// <summary><c>endPort</c>, for ranges.</summary>
    public int? EndPort { get; init; }

    /// <summary><c>protocol</c>: TCP, UDP, SCTP or ANY (the default).</summary>
    public string Protocol { get; init; } = "ANY";

    /// <summary>The numeric port, or null for a named port.</summary>
    public int? PortNumber => int.TryParse(Port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p) ? p : null;
}
