using System.Net;
using System.Text.Json.Nodes;
using CiliumL7.Agent.Services;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.Kubernetes;

/// <summary>
/// Kubernetes Services into the eBPF load balancer: a Service with a ClusterIP (with or without
/// a selector; of type ClusterIP, NodePort or LoadBalancer) becomes a service at that VIP with
/// its ports, its backends taken from its EndpointSlices (<see cref="EndpointSliceSink"/>).
/// Headless and ExternalName Services are not load-balanced; a Service the load balancer
/// refuses (its ClusterIP outside <c>--service-cidr</c>) is logged and skipped. Deletes and
/// relists remove only services whose backends come from EndpointSlices (the API server's;
/// kept across agent restarts in the service state), never those made with <c>service create</c>.
/// </summary>
internal sealed partial class ServiceSink(ServiceManager services, ILogger logger) : IResourceSink
{
    public void Upsert(JsonObject obj, string ns, string name)
    {
        var spec = obj["spec"] as JsonObject;
        var clusterIp = spec?["clusterIP"]?.GetValue<string>();
        if (clusterIp is null or "None" or "" || (spec?["type"]?.GetValue<string>() ?? "ClusterIP") == "ExternalName")
        {
            Delete(ns, name); // it may have had a ClusterIP before
            return;
        }
        try
        {
            var ports = new List<ServicePort>();
            foreach (var p in spec?["ports"]?.AsArray() ?? [])
            {
                var target = p?["targetPort"];
                ports.Add(new ServicePort
                {
                    Name = p?["name"]?.GetValue<string>() ?? "",
                    Port = p?["port"]?.GetValue<int>() ?? throw new ArgumentException("spec.ports[].port is missing"),
                    // A named targetPort is resolved per pod by the EndpointSlice controller: the slices carry numbers.
                    TargetPort = target is JsonValue v && v.TryGetValue<int>(out var number) ? number : 0,
                    Protocol = p?["protocol"]?.GetValue<string>() ?? "TCP",
                });
            }
            var selector = spec?["selector"] as JsonObject;
            services.Upsert(new ServiceSpec
            {
                Name = name,
                Namespace = ns,
                Vip = IPAddress.Parse(clusterIp),
                Ports = ports,
                Selector = selector?.ToDictionary(kv => kv.Key, kv => kv.Value?.GetValue<string>() ?? "") ?? [],
                BackendSource = ServiceBackendSource.EndpointSlices,
            });
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            Log.Skipped(logger, ns, name, e.Message);
        }
    }

    public void Delete(string ns, string name)
    {
        if (services.Get(ns, name) is { Spec.BackendSource: ServiceBackendSource.EndpointSlices })
        {
            services.Delete(ns, name);
        }
    }

    public void Reconcile(IReadOnlySet<(string Namespace, string Name)> present)
    {
        foreach (var service in services.List())
        {
            if (service.Spec.BackendSource == ServiceBackendSource.EndpointSlices && !present.Contains((service.Spec.Namespace, service.Spec.Name)))
            {
                services.Delete(service.Spec.Namespace, service.Spec.Name);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5120, Level = LogLevel.Warning, Message = "Kubernetes: Service {Namespace}/{Name} is not load-balanced: {Reason}")]
        public static partial void Skipped(ILogger logger, string @namespace, string name, string reason);
    }
}
