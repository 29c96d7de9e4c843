using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using CiliumL7.Agent.Services;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.Kubernetes;

/// <summary>
/// EndpointSlices (<c>discovery.k8s.io/v1</c>) into the backends of their Service (label
/// <c>kubernetes.io/service-name</c>): every IPv4 slice of a Service is merged; an endpoint is
/// used when ready (<c>conditions.ready</c> true or absent); only when a Service has no ready
/// endpoint at all are its serving-and-terminating ones used (as kube-proxy and Cilium do, so
/// connections drain instead of failing during a rollout). Ports are matched to the Service's
/// by name and protocol; the slice's port number is the backend port. Selector-less Services
/// with hand-written slices work the same way. The first complete list tells the
/// <see cref="ServiceManager"/> that backends are known (until then it keeps what the maps hold).
/// </summary>
internal sealed partial class EndpointSliceSink(ServiceManager services, ILogger logger) : IResourceSink
{
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    private readonly Lock _lock = new();
    private readonly Dictionary<(string Namespace, string Name), Slice> _slices = [];

    public void Upsert(JsonObject obj, string ns, string name)
    {
        var service = obj["metadata"]?["labels"]?[ServiceNameLabel]?.GetValue<string>();
        var addressType = obj["addressType"]?.GetValue<string>();
        if (string.IsNullOrEmpty(service) || addressType != "IPv4")
        {
            Delete(ns, name); // not (or no longer) an IPv4 slice of a Service
            return;
        }
        var slice = Parse(obj, service, out var skipped);
        if (skipped > 0)
        {
            Log.Skipped(logger, ns, name, skipped);
        }
        lock (_lock)
        {
            _slices.TryGetValue((ns, name), out var old);
            _slices[(ns, name)] = slice;
            if (old is not null && old.Service != service)
            {
                Publish(ns, old.Service);
            }
            Publish(ns, service);
        }
    }

    public void Delete(string ns, string name)
    {
        lock (_lock)
        {
            if (_slices.Remove((ns, name), out var old))
            {
                Publish(ns, old.Service);
            }
        }
    }

    public void Reconcile(IReadOnlySet<(string Namespace, string Name)> present)
    {
        lock (_lock)
        {
            foreach (var key in _slices.Keys.Where(k => !present.Contains(k)).ToList())
            {
                _slices.Remove(key, out var old);
                Publish(key.Namespace, old!.Service);
            }
        }
        services.EndpointSlicesSynced();
    }

    /// <summary>Merges the service's slices and hands the usable backends to the load balancer (under the lock: updates stay ordered).</summary>
    private void Publish(string ns, string service)
    {
        var ready = new List<EndpointSliceBackend>();
        var terminating = new List<EndpointSliceBackend>();
        foreach (var ((sliceNs, _), slice) in _slices)
        {
            if (sliceNs != ns || slice.Service != service)
            {
                continue;
            }
            foreach (var (ip, state) in slice.Endpoints)
            {
                var target = state switch
                {
                    EndpointState.Ready => ready,
                    EndpointState.ServingTerminating => terminating,
                    EndpointState.NotServing => null,
                    _ => throw new InvalidOperationException("unknown endpoint state " + state),
                };
                foreach (var (portName, port, protocol) in slice.Ports)
                {
                    target?.Add(new EndpointSliceBackend(ip, portName, port, protocol));
                }
            }
        }
        services.SetEndpointSliceBackends(ns, service, ready.Count > 0 ? ready : terminating);
    }

    private static Slice Parse(JsonObject obj, string service, out int skipped)
    {
        skipped = 0;
        var ports = new List<(string, int, string)>();
        foreach (var p in obj["ports"]?.AsArray() ?? [])
        {
            if (p?["port"] is JsonValue v && v.TryGetValue<int>(out var number) && number is > 0 and <= 65535)
            {
                ports.Add((p["name"]?.GetValue<string>() ?? "", number, (p["protocol"]?.GetValue<string>() ?? "TCP").ToUpperInvariant()));
            }
        }
        var endpoints = new List<(IPAddress, EndpointState)>();
        foreach (var e in obj["endpoints"]?.AsArray() ?? [])
        {
            // Addresses of one endpoint are fungible: the first is used.
            var address = e?["addresses"]?.AsArray().FirstOrDefault()?.GetValue<string>();
            if (!IPAddress.TryParse(address, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork)
            {
                skipped++;
                continue;
            }
            endpoints.Add((ip, StateOf(e?["conditions"] as JsonObject)));
        }
        return new Slice(service, ports, endpoints);
    }

    /// <summary>Kubernetes' reading: ready absent = ready; serving absent = as ready; terminating absent = not terminating.</summary>
    internal static EndpointState StateOf(JsonObject? conditions)
    {
        var ready = Flag(conditions?["ready"]) ?? true;
        var serving = Flag(conditions?["serving"]) ?? ready;
        var terminating = Flag(conditions?["terminating"]) ?? false;
        return ready ? EndpointState.Ready : serving && terminating ? EndpointState.ServingTerminating : EndpointState.NotServing;
    }

    private static bool? Flag(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    internal enum EndpointState
    {
        Ready,
        ServingTerminating,
        NotServing,
    }

    private sealed record Slice(string Service, List<(string Name, int Port, string Protocol)> Ports, List<(IPAddress Ip, EndpointState State)> Endpoints);

    private static partial class Log
    {
        [LoggerMessage(EventId = 5121, Level = LogLevel.Warning, Message = "Kubernetes: EndpointSlice {Namespace}/{Name}: {Count} endpoint(s) without an IPv4 address skipped")]
        public static partial void Skipped(ILogger logger, string @namespace, string name, int count);
    }
}
