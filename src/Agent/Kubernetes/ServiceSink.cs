using System.Net;
using System.Text.Json.Nodes;
using CiliumL7.Agent.Services;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.Kubernetes;

/// <summary>
/// Kubernetes Services into the eBPF load balancer: a ClusterIP Service with a selector
/// becomes a service with that VIP, its numeric ports and selector (backends are the
/// endpoints it selects, as for <c>service create</c>). Headless, ExternalName and
/// selector-less Services are not load-balanced here; a Service the load balancer refuses
/// (its ClusterIP outside <c>--service-cidr</c>, a named targetPort) is logged and skipped.
/// Only Services this sink created are removed by deletes and relists.
/// </summary>
internal sealed partial class ServiceSink(ServiceManager services, ILogger logger) : IResourceSink
{
    private readonly HashSet<(string Namespace, string Name)> _mine = [];
    private readonly object _lock = new();

    public void Upsert(JsonObject obj, string ns, string name)
    {
        var spec = obj["spec"] as JsonObject;
        var clusterIp = spec?["clusterIP"]?.GetValue<string>();
        var selector = spec?["selector"] as JsonObject;
        if (clusterIp is null or "None" or "" || selector is null || selector.Count == 0 || (spec?["type"]?.GetValue<string>() ?? "ClusterIP") == "ExternalName")
        {
            Delete(ns, name); // it may have had a ClusterIP and a selector before
            return;
        }
        try
        {
            var ports = new List<ServicePort>();
            foreach (var p in spec?["ports"]?.AsArray() ?? [])
            {
                var target = p?["targetPort"];
                if (target is JsonValue v && v.TryGetValue<string>(out var named) && !int.TryParse(named, out _))
                {
                    throw new ArgumentException($"ports: targetPort \"{named}\" is a named port; only numbers are load-balanced");
                }
                ports.Add(new ServicePort
                {
                    Name = p?["name"]?.GetValue<string>(),
                    Port = p!["port"]!.GetValue<int>(),
                    TargetPort = target is null ? 0 : int.Parse(target.ToString(), System.Globalization.CultureInfo.InvariantCulture),
                    Protocol = p["protocol"]?.GetValue<string>() ?? "TCP",
                });
            }
            services.Upsert(new ServiceSpec
            {
                Name = name,
                Namespace = ns,
                Vip = IPAddress.Parse(clusterIp),
                Ports = ports,
                Selector = selector.ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>()),
            });
            lock (_lock)
            {
                _mine.Add((ns, name));
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            Log.Skipped(logger, ns, name, e.Message);
        }
    }

    public void Delete(string ns, string name)
    {
        lock (_lock)
        {
            if (!_mine.Remove((ns, name)))
            {
                return;
            }
        }
        services.Delete(ns, name);
    }

    public void Reconcile(IReadOnlySet<(string Namespace, string Name)> present)
    {
        List<(string, string)> gone;
        lock (_lock)
        {
            gone = [.. _mine.Where(k => !present.Contains(k))];
        }
        foreach (var (ns, name) in gone)
        {
            Delete(ns, name);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5120, Level = LogLevel.Warning, Message = "Kubernetes: Service {Namespace}/{Name} is not load-balanced: {Reason}")]
        public static partial void Skipped(ILogger logger, string @namespace, string name, string reason);
    }
}
