using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace CiliumL7.Agent.Services;

/// <summary>Validates a <see cref="ServiceSpec"/>, reporting every problem at once, and normalizes it.</summary>
internal static partial class ServiceSpecValidator
{
    /// <summary>Returns the normalized spec (protocols upper-case) or throws with every error named.</summary>
    /// <exception cref="ArgumentException">The spec is invalid; the message lists each field, value and why.</exception>
    public static ServiceSpec Validate(ServiceSpec spec)
    {
        var errors = new List<string>();
        var ns = string.IsNullOrEmpty(spec.Namespace) ? "default" : spec.Namespace;
        if (!DnsLabel().IsMatch(spec.Name ?? ""))
        {
            errors.Add("name: \"" + spec.Name + "\" must be a DNS label (lower-case letters, digits, '-', starting with a letter, at most 63 characters)");
        }
        if (!DnsLabel().IsMatch(ns) && !DnsLabelDigit().IsMatch(ns))
        {
            errors.Add("namespace: \"" + ns + "\" must be a DNS label");
        }
        if (spec.Vip is { } vip && vip.AddressFamily != AddressFamily.InterNetwork)
        {
            errors.Add("vip: \"" + vip + "\" must be an IPv4 address (IPv6 services are not supported)");
        }
        var ports = spec.Ports ?? [];
        if (ports.Count == 0)
        {
            errors.Add("ports: at least one port is required, e.g. {\"port\": 80}");
        }
        var normalized = new List<ServicePort>(ports.Count);
        var seen = new HashSet<(int, string)>();
        for (var i = 0; i < ports.Count; i++)
        {
            var p = ports[i];
            var protocol = (p.Protocol ?? "TCP").ToUpperInvariant();
            if (protocol.Length == 0)
            {
                protocol = "TCP";
            }
            if (p.Port is < 1 or > 65535)
            {
                errors.Add("ports[" + i + "].port: " + p.Port + " must be 1-65535");
            }
            if (p.TargetPort is < 0 or > 65535)
            {
                errors.Add("ports[" + i + "].targetPort: " + p.TargetPort + " must be 1-65535 (or 0 = same as port)");
            }
            if (protocol is not ("TCP" or "UDP"))
            {
                errors.Add("ports[" + i + "].protocol: \"" + p.Protocol + "\" must be TCP or UDP");
            }
            if (!seen.Add((p.Port, protocol)))
            {
                errors.Add("ports[" + i + "]: " + p.Port + "/" + protocol + " is listed twice");
            }
            normalized.Add(p with { Protocol = protocol });
        }
        foreach (var key in (spec.Selector ?? new Dictionary<string, string>()).Keys)
        {
            if (ServiceSelector.StripSource(key).Length == 0)
            {
                errors.Add("selector: key \"" + key + "\" is empty");
            }
        }
        if (!Enum.IsDefined(spec.BackendSource))
        {
            errors.Add("backendSource: " + (int)spec.BackendSource + " must be Selector or EndpointSlices");
        }
        if (errors.Count > 0)
        {
            throw new ArgumentException("service " + ns + "/" + spec.Name + ": " + string.Join("; ", errors) + ".");
        }
        return spec with { Namespace = ns, Ports = normalized, Selector = spec.Selector ?? new Dictionary<string, string>() };
    }

    [GeneratedRegex("^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabelDigit();
}
