using System.Net;
using System.Reflection;
using CiliumL7.Agent.Datapath;
using CiliumL7.Agent.Logging;
using CiliumL7.Client;
using CiliumL7.Client.Models;
using CiliumL7.Policy.Api.Limits;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.Api;

/// <summary>
/// The REST API (<c>/v1</c>) on the agent's unix socket: healthz, status,
/// endpoint, identity, policy, ipam, drops (the routes of the cilium-agent API).
/// </summary>
internal static class AgentApi
{
    /// <summary>How long a CNI ADD waits for its pod to appear in the Kubernetes watch.</summary>
    private static readonly TimeSpan PodLabelWait = TimeSpan.FromSeconds(5);

    public static void Map(IEndpointRouteBuilder app, AgentContext agent, ILogger logger)
    {
        var v1 = app.MapGroup("/v1");
        v1.MapGet("/healthz", () => Results.Text("ok\n"));
        v1.MapGet("/status", async (HttpContext http) =>
        {
            // ?wait-applied=N: answer once policy revision N is in force (or failed), at most
            // WaitAppliedLimit later, so `policy import` learns it at once instead of polling.
            if (http.Request.Query["wait-applied"] is { Count: > 0 } wait)
            {
                if (!long.TryParse(wait[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var revision))
                {
                    return BadRequest($"GET /v1/status: wait-applied=\"{wait[0]}\" is not a policy revision (use a number from `policy import`)");
                }
                using var bounded = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
                bounded.CancelAfter(AgentClient.WaitAppliedLimit);
                await agent.Policies.WaitAppliedAsync(revision, bounded.Token).ConfigureAwait(false);
            }
            return Results.Json(Status(agent), ClientJsonContext.Readable.StatusModel);
        });
        v1.MapGet("/drops", () => Results.Json(agent.Drops.Last(1024), ClientJsonContext.Readable.ListDropEventModel));

        v1.MapGet("/endpoint", () => Results.Json(agent.Endpoints.List(), ClientJsonContext.Readable.ListEndpointModel));
        v1.MapGet("/endpoint/{id}", (string id) => agent.Endpoints.Find(Uri.UnescapeDataString(id)) is { } e
            ? Results.Json(e, ClientJsonContext.Readable.EndpointModel)
            : NotFound($"endpoint \"{id}\" not found"));
        v1.MapPut("/endpoint/{id}", async (string id, HttpRequest request) =>
        {
            var (body, status, problem) = await RequestBody.ReadJsonAsync(request, ClientJsonContext.Readable.EndpointCreateRequest, "PUT /v1/endpoint").ConfigureAwait(false);
            if (body is null)
            {
                return Error(status, problem ?? "PUT /v1/endpoint: no body", []);
            }
            id = Uri.UnescapeDataString(id);
            if (!id.StartsWith("container-id:", StringComparison.Ordinal) || id["container-id:".Length..] != body.ContainerId)
            {
                return BadRequest("PUT /v1/endpoint/container-id:{containerId} needs a JSON body whose containerId matches the path");
            }
            if (agent.Kubernetes is { } kubernetes && !string.IsNullOrEmpty(body.Namespace) && !string.IsNullOrEmpty(body.Name))
            {
                // Kubernetes mode: the pod's labels (and its namespace's) are the API server's.
                var podLabels = await kubernetes.Pods.LabelsAsync(body.Namespace, body.Name, PodLabelWait, request.HttpContext.RequestAborted).ConfigureAwait(false);
                if (podLabels is null)
                {
                    return Error(HttpStatusCode.ServiceUnavailable, $"pod {body.Namespace}/{body.Name} is not known to the Kubernetes API server after {PodLabelWait.TotalSeconds:0} s; the container runtime retries the CNI ADD", []);
                }
                body = body with { Labels = [.. body.Labels.Concat(podLabels).Distinct(StringComparer.Ordinal)] };
            }
            try
            {
                var (endpoint, replaced) = agent.Endpoints.Create(body);
                if (replaced is not null && replaced.Ifindex != endpoint.Ifindex)
                {
                    agent.Datapath.RemoveEndpoint(replaced);
                }
                try
                {
                    agent.Datapath.UpsertEndpoint(endpoint);
                }
                catch (Exception e) when (e is not ArgumentException and not InvalidOperationException)
                {
                    agent.Endpoints.Delete(endpoint.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    Log.DatapathFailed(logger, $"attach endpoint {endpoint.Id} to {endpoint.HostInterface}", e);
                    return Error(HttpStatusCode.InternalServerError, $"attaching the datapath to {endpoint.HostInterface} (ifindex {endpoint.Ifindex}) failed: {e.Message}", []);
                }
                Log.EndpointCreated(logger, endpoint.Id, endpoint.Namespace, endpoint.Name, endpoint.Ipv4, endpoint.HostInterface, endpoint.Ifindex, endpoint.Identity);
                return Results.Json(endpoint, ClientJsonContext.Readable.EndpointModel, statusCode: 201);
            }
            catch (ArgumentException e)
            {
                return BadRequest(e.Message);
            }
            catch (InvalidOperationException e)
            {
                return Error(HttpStatusCode.Conflict, e.Message, []);
            }
        });
        v1.MapDelete("/endpoint/{id}", (string id) =>
        {
            var endpoint = agent.Endpoints.Delete(Uri.UnescapeDataString(id));
            if (endpoint is null)
            {
                return NotFound($"endpoint \"{id}\" not found");
            }
            agent.Datapath.RemoveEndpoint(endpoint);
            Log.EndpointDeleted(logger, endpoint.Id, endpoint.Namespace, endpoint.Name);
            return Results.Json(endpoint, ClientJsonContext.Readable.EndpointModel);
        });
        v1.MapPatch("/endpoint/{id}/config", (string id, string? audit) =>
        {
            bool on;
            switch (audit)
            {
                case "on" or "true" or "enabled":
                    on = true;
                    break;
                case "off" or "false" or "disabled":
                    on = false;
                    break;
                default:
                    return BadRequest($"audit=\"{audit}\": use audit=on or audit=off");
            }
            return agent.Endpoints.SetAuditMode(Uri.UnescapeDataString(id), on) is { } e
                ? Results.Json(e, ClientJsonContext.Readable.EndpointModel)
                : NotFound($"endpoint \"{id}\" not found");
        });
        v1.MapGet("/endpoint/{id}/bpf-policy", (string id) =>
        {
            var endpoint = agent.Endpoints.Find(Uri.UnescapeDataString(id));
            if (endpoint is null)
            {
                return NotFound($"endpoint \"{id}\" not found");
            }
            var state = agent.Datapath.ReadPolicy(endpoint.Id) ?? EndpointMapState.Empty(endpoint.Id);
            var policy = PolicyMapModels.ToModel(state, identity => LabelsOf(agent, identity));
            return Results.Json(policy, ClientJsonContext.Readable.BpfPolicyModel);
        });

        v1.MapGet("/nodes", () => Results.Json(agent.KvStore?.Nodes() ?? agent.Kubernetes?.NodeList?.Nodes(LocalNode(agent)) ?? [LocalNode(agent)], ClientJsonContext.Readable.ListNodeModel));

        v1.MapGet("/identity", () => Results.Json(agent.Endpoints.Identities(includeReserved: true), ClientJsonContext.Readable.ListIdentityModel));

        v1.MapGet("/policy", () => Results.Json(Policy(agent), ClientJsonContext.Readable.PolicyModel));
        v1.MapPut("/policy", async (HttpRequest request, string? source) =>
        {
            var (text, status, problem) = await RequestBody.ReadTextAsync(request, InputLimits.MaxPolicyBytes, "PUT /v1/policy").ConfigureAwait(false);
            if (text is null)
            {
                Log.PolicyImportRejected(logger, problem ?? "");
                return Error(status, problem + "; split the policy into several imports", [problem ?? ""]);
            }
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var (imported, errors, revision) = agent.Policies.Import(text, string.IsNullOrWhiteSpace(source) ? "api" : Echo.Truncate(source));
            if (errors.Count > 0)
            {
                Log.PolicyImportRejected(logger, string.Join('\n', errors));
                return Error(HttpStatusCode.BadRequest, $"policy rejected: {errors.Count} error(s)", errors);
            }
            var names = imported.Select(d => d.DisplayName).ToList();
            Log.PolicyImported(logger, string.Join(", ", names), revision, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return Results.Json(new PolicyImportResult { Revision = revision, Imported = names }, ClientJsonContext.Readable.PolicyImportResult);
        });
        v1.MapDelete("/policy", (string? name, string? @namespace, bool? all) =>
        {
            if (all != true && string.IsNullOrEmpty(name))
            {
                return BadRequest("DELETE /v1/policy needs ?name=NAME[&namespace=NS] or ?all=true");
            }
            int deleted;
            long revision;
            try
            {
                (deleted, revision) = agent.Policies.Delete(name, @namespace, all == true);
            }
            catch (IOException e)
            {
                return Error(HttpStatusCode.InternalServerError, e.Message, [e.Message]); // the state could not be saved: nothing deleted
            }
            if (deleted == 0 && all != true)
            {
                return NotFound($"no imported policy named \"{name}\"{(@namespace is null ? "" : $" in namespace \"{@namespace}\"")}");
            }
            Log.PolicyDeleted(logger, deleted, revision);
            return Results.Json(new PolicyDeleteResult { Deleted = deleted, Revision = revision }, ClientJsonContext.Readable.PolicyDeleteResult);
        });

        v1.MapGet("/ipam", () => Results.Json(agent.Endpoints.Ipam(), ClientJsonContext.Readable.IpamStatusModel));
        v1.MapPost("/ipam", async (HttpRequest request) =>
        {
            var (body, status, problem) = await RequestBody.ReadJsonAsync(request, ClientJsonContext.Readable.IpamAllocateRequest, "POST /v1/ipam").ConfigureAwait(false);
            if (body is null)
            {
                return Error(status, problem ?? "POST /v1/ipam: no body", []);
            }
            if (string.IsNullOrWhiteSpace(body.Owner))
            {
                return BadRequest("POST /v1/ipam needs a JSON body {\"owner\": \"<container id>\"}");
            }
            try
            {
                var allocation = agent.Endpoints.Allocate(body.Owner);
                Log.IpAllocated(logger, allocation.Ipv4, allocation.Owner);
                return Results.Json(allocation, ClientJsonContext.Readable.IpamAllocation, statusCode: 201);
            }
            catch (InvalidOperationException e)
            {
                return Error(HttpStatusCode.ServiceUnavailable, e.Message, []);
            }
        });
        v1.MapDelete("/ipam/{ip}", (string ip) =>
        {
            if (!IPAddress.TryParse(ip, out var address))
            {
                return BadRequest($"\"{Echo.Truncate(ip)}\" is not an IP address");
            }
            try
            {
                return agent.Endpoints.Release(address) ? Results.NoContent() : NotFound($"{ip} is not allocated");
            }
            catch (InvalidOperationException e)
            {
                return Error(HttpStatusCode.Conflict, e.Message, []);
            }
        });
    }

    private static IReadOnlyList<string> LabelsOf(AgentContext agent, long identity)
    {
        foreach (var (id, label) in Identity.IdentityStore.Reserved)
        {
            if (id == identity)
            {
                return [label];
            }
        }
        return agent.Endpoints.IdentityLabels(identity) ?? [];
    }

    public static PolicyModel Policy(AgentContext agent) => new()
    {
        Revision = agent.Policies.Revision,
        Policies = [.. agent.Policies.All().Select(d => new PolicyResourceModel { Kind = d.Kind, Name = d.Name, Namespace = d.Namespace, Source = d.Source, Yaml = d.Yaml })],
        Errors = agent.Policies.Errors(),
    };

    public static StatusModel Status(AgentContext agent)
    {
        var version = typeof(AgentApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "dev";
        var identities = agent.Endpoints.Identities(includeReserved: false);
        return new StatusModel
        {
            Agent = new AgentStatusModel
            {
                State = "Ok",
                Version = version,
                NodeName = agent.Options.NodeName,
                PodCidr = agent.Endpoints.PodCidr.ToString(),
                StateDir = agent.Options.StateDir,
                PolicyDir = agent.Options.PolicyDir,
                Pid = Environment.ProcessId,
                UptimeSeconds = (DateTimeOffset.UtcNow - agent.StartedAt).TotalSeconds,
            },
            Datapath = agent.Datapath.Status(),
            Proxy = agent.Proxy.Status(),
            Fqdn = agent.Fqdn is { } fqdn ? FqdnApi.Status(fqdn) with { Warnings = agent.PolicyWarnings?.Invoke() ?? [] } : null,
            Endpoints = agent.Endpoints.List().Count,
            Identities = identities.Count(i => i.ReferenceCount > 0),
            Policies = agent.Policies.All().Count,
            PolicyAuditMode = agent.Options.PolicyAuditMode,
            AuditedPolicies = agent.Cookies?.AuditedSummary() ?? [],
            PolicyRevision = agent.Policies.Revision,
            PolicyRevisionApplied = agent.Policies.AppliedRevision,
            PolicyApplyError = agent.Policies.ApplyError,
            PolicyApplyErrorRevision = agent.Policies.ApplyErrorRevision,
            PolicyErrors = agent.Policies.Errors(),
            RecentDrops = agent.Drops.Last(10),
            KvStore = agent.KvStore?.Status() ?? new KvStoreStatusModel { State = "Disabled", Message = "standalone node" },
            Kubernetes = agent.Kubernetes is { } k8s
                ? new KubernetesStatusModel
                {
                    State = k8s.Watchers.All(w => w.Synced.IsCompletedSuccessfully) ? "Ok" : "Warning",
                    Server = k8s.Server?.ToString(),
                    Watches = [.. k8s.Watchers.Select(w => new KubernetesWatchModel
                    {
                        Resource = w.Resource.ToString(),
                        Synced = w.Synced.IsCompletedSuccessfully,
                        Lists = w.Lists,
                        Watches = w.Watches,
                        ResourceVersion = w.ResourceVersion,
                    })],
                }
                : new KubernetesStatusModel { State = "Disabled" },
        };
    }

    private static NodeModel LocalNode(AgentContext agent) => new()
    {
        Name = agent.Options.NodeName,
        PodCidr = agent.Endpoints.PodCidr.ToString(),
        AgentSocket = agent.Options.SocketPath,
        HubbleAddress = agent.Options.HubbleListenAddress?.ToString(),
        Local = true,
    };

    private static IResult NotFound(string message) => Error(HttpStatusCode.NotFound, message, []);

    private static IResult BadRequest(string message) => Error(HttpStatusCode.BadRequest, message, []);

    private static IResult Error(HttpStatusCode status, string message, IReadOnlyList<string> errors) =>
        Results.Json(new ErrorModel { Message = message, Errors = errors }, ClientJsonContext.Readable.ErrorModel, statusCode: (int)status);
}
