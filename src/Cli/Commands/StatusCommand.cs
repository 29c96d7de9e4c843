using System.CommandLine;
using System.Text.Json;
using CiliumL7.Client;
using CiliumL7.Client.Models;
using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Client;
using Grpc.Core;

namespace CiliumL7.Cli;

/// <summary><c>ciliuml7 status [--wait] [-o json]</c>: the agent's health, shaped like <c>cilium status</c>.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var host = AgentConnection.CreateHostOption();
        var output = AgentConnection.CreateOutputOption();
        var wait = new Option<bool>("--wait") { Description = "Wait until the agent is up (and its datapath not failing)" };
        var waitDuration = new Option<TimeSpan>("--wait-duration") { Description = "How long --wait waits", DefaultValueFactory = _ => TimeSpan.FromMinutes(2) };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Show the agents of this Kubernetes cluster (their DaemonSet) instead of one agent" };
        var k8sNamespace = new Option<string>("--namespace") { Description = "Namespace of the agents' DaemonSet (with --kubeconfig)", DefaultValueFactory = _ => "kube-system" };
        var command = new Command("status", "Show the agent's status: datapath, proxy, endpoints, identities, policies");
        command.Options.Add(kubeconfig);
        command.Options.Add(k8sNamespace);
        command.Options.Add(host);
        command.Options.Add(output);
        command.Options.Add(wait);
        command.Options.Add(waitDuration);
        command.SetAction((pr, ct) => pr.GetValue(kubeconfig) is { } k8s
            ? Kubernetes.ClusterStatus.RunAsync(k8s, pr.GetValue(k8sNamespace)!, pr.GetValue(wait), pr.GetValue(waitDuration), Console.Out, ct)
            : AgentConnection.RunAsync(async () =>
        {
            using var client = AgentConnection.Connect(pr, host);
            var status = pr.GetValue(wait)
                ? await WaitAsync(client, pr.GetValue(waitDuration), ct).ConfigureAwait(false)
                : await client.GetStatusAsync(ct).ConfigureAwait(false);
            if (status is null)
            {
                Console.Error.WriteLine($"Error: the agent at unix://{client.SocketPath} did not become ready within {pr.GetValue(waitDuration)}");
                return 1;
            }
            status = status with { Hubble = await QueryHubbleAsync(client.SocketPath, ct).ConfigureAwait(false) };
            if (pr.GetValue(output) == "json")
            {
                Console.WriteLine(JsonSerializer.Serialize(status, ClientJsonContext.Readable.StatusModel));
                return 0;
            }
            Print(status, Console.Out);
            return status.Datapath.State == "Failure" ? 1 : 0;
        }));
        return command;
    }

    private static async Task<StatusModel?> WaitAsync(AgentClient client, TimeSpan duration, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + duration;
        var announced = false;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var status = await client.GetStatusAsync(ct).ConfigureAwait(false);
                if (status.Datapath.State != "Failure")
                {
                    return status;
                }
            }
            catch (AgentUnavailableException)
            {
            }
            if (!announced)
            {
                Console.Error.WriteLine($"Waiting for the agent at unix://{client.SocketPath} ...");
                announced = true;
            }
            await Task.Delay(500, ct).ConfigureAwait(false);
        }
        return null;
    }

    public static void Print(StatusModel s, TextWriter o)
    {
        var uptime = TimeSpan.FromSeconds(Math.Round(s.Agent.UptimeSeconds));
        o.WriteLine(s.KvStore is { State: not "Disabled" } kv
            ? $"KVStore:                 {(kv.State == "Failure" ? "Unreachable" : kv.State)}   etcd {kv.Endpoint} (cluster {kv.Cluster}, {kv.Nodes} nodes, {kv.RemoteIps} remote pod IPs){Why(kv.Message)}"
            : "KVStore:                 Disabled   (standalone node)");
        o.WriteLine(s.Kubernetes is { State: not "Disabled" } k8s
            ? $"Kubernetes:              {k8s.State}   {k8s.Server} ({k8s.Watches.Count(w => w.Synced)}/{k8s.Watches.Count} watches synced: {string.Join(", ", k8s.Watches.Select(w => w.Resource.Split('.')[0] + (w.Synced ? "" : " (listing)")))})"
            : "Kubernetes:              Disabled   (standalone node)");
        o.WriteLine($"CiliumL7:                {s.Agent.State}   {s.Agent.Version} (node {s.Agent.NodeName}, pid {s.Agent.Pid}, up {uptime})");
        o.WriteLine($"Datapath:                {s.Datapath.State}   {s.Datapath.Attachments.Count} program attachments, {s.Datapath.Maps.Count} maps pinned under {s.Datapath.BpfRoot}{Why(s.Datapath.Message)}");
        o.WriteLine($"Proxy Status:            {s.Proxy.State}   {s.Proxy.Redirects.Count} redirects active{Why(s.Proxy.Message)}");
        foreach (var r in s.Proxy.Redirects)
        {
            o.WriteLine($"                           endpoint {r.EndpointId} {r.Direction} port {r.Port}/{r.Protocol} ({r.Parser}) -> proxy port {r.ProxyPort}");
        }
        if (s.Proxy.Dns is { } dns)
        {
            o.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"DNS Proxy:               {s.Proxy.State}   {dns.Redirects} redirects, deny answer {dns.RejectResponseCode}, answer hold <= {dns.ResponseMaxDelayMs}ms, server timeout {dns.UpstreamTimeoutMs / 1000}s, {dns.QueriesInFlight} in flight; queries {dns.Received} received, {dns.Forwarded} forwarded, {dns.Denied} denied, {dns.ParseErrors} unparsable"));
        }
        if (s.Hubble is { } h)
        {
            o.WriteLine(h.State == "Ok"
                ? $"Hubble:                  {HubbleStatus.Format(new ServerStatusResponse { NumFlows = h.NumFlows, MaxFlows = h.MaxFlows, FlowsRate = h.FlowsRate })}"
                : $"Hubble:                  {h.State}   {h.Message}");
        }
        if (s.Fqdn is { } f)
        {
            o.WriteLine($"FQDN cache:              {f.Names} names, {f.Entries} entries, {f.Zombies} kept for open connections, {f.AnswersLearned} DNS answers learned, {f.AnswersPlumbed} held for the datapath ({f.AnswersIncremental} incremental; p50 {f.HoldP50Ms} ms, p99 {f.HoldP99Ms} ms, max {f.HoldMaxMs} ms), {f.AnswersFailed} failed (SERVFAIL)");
            foreach (var w in f.Warnings)
            {
                o.WriteLine("  warning: " + w);
            }
        }
        o.WriteLine($"IPAM:                    IPv4 pod CIDR {s.Agent.PodCidr}");
        o.WriteLine($"Endpoints:               {s.Endpoints}");
        o.WriteLine($"Identities:              {s.Identities} in use");
        if (s.PolicyAuditMode || s.AuditedPolicies.Count > 0)
        {
            o.WriteLine("Policy audit mode:       " + (s.PolicyAuditMode ? "agent-wide (--policy-audit-mode): nothing is dropped" : s.AuditedPolicies.Count + " audited polic" + (s.AuditedPolicies.Count == 1 ? "y" : "ies") + ": evaluated, not enforced"));
            foreach (var a in s.AuditedPolicies)
            {
                o.WriteLine("                           " + a);
            }
        }
        o.WriteLine($"Policies:                {s.Policies} in force (revision {s.PolicyRevision}{(s.PolicyRevisionApplied >= s.PolicyRevision ? "" : $", applied {s.PolicyRevisionApplied}: regenerating")}, directory {s.Agent.PolicyDir})");
        if (s.PolicyApplyError is { } applyError)
        {
            o.WriteLine($"Policy apply error:      {applyError} (the previous policy stays in force)");
        }
        if (s.PolicyErrors.Count > 0)
        {
            o.WriteLine($"Policy errors:           {s.PolicyErrors.Count} source(s) rejected (last good version kept):");
            foreach (var e in s.PolicyErrors)
            {
                foreach (var line in e.Errors)
                {
                    o.WriteLine("                           " + line);
                }
            }
        }
        if (s.RecentDrops.Count > 0)
        {
            o.WriteLine($"Recent drops:");
            foreach (var d in s.RecentDrops)
            {
                o.WriteLine($"                           {d.Time:HH:mm:ss} {d.ReasonName} {d.SourceIp}:{d.SourcePort} (ID:{d.SourceIdentity}) -> {d.DestinationIp}:{d.DestinationPort} (ID:{d.DestinationIdentity}) {d.Direction}");
            }
        }
    }

    /// <summary>ServerStatus from the agent's Hubble socket (next to its API socket); never throws.</summary>
    internal static async Task<HubbleStatusModel> QueryHubbleAsync(string agentSocketPath, CancellationToken ct)
    {
        var server = "unix://" + Path.Combine(Path.GetDirectoryName(Path.GetFullPath(agentSocketPath)) ?? "/", "hubble.sock");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            using var channel = HubbleChannel.Create(server);
            var reply = await new Observer.ObserverClient(channel).ServerStatusAsync(new ServerStatusRequest(), cancellationToken: timeout.Token).ConfigureAwait(false);
            return new HubbleStatusModel { State = "Ok", Server = server, NumFlows = reply.NumFlows, MaxFlows = reply.MaxFlows, SeenFlows = reply.SeenFlows, FlowsRate = reply.FlowsRate };
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException or IOException or InvalidOperationException or UriFormatException)
        {
            var why = e is RpcException rpc ? rpc.Status.Detail : e.Message;
            return new HubbleStatusModel { State = "Unavailable", Server = server, Message = $"{why} ({server})" };
        }
    }

    private static string Why(string? message) => string.IsNullOrEmpty(message) ? "" : $" ({message})";
}
