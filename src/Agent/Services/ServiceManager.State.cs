using System.Text.Json;
using CiliumL7.Agent.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CiliumL7.Agent.Services;

// ServiceManager, part 4: the state file (services, VIPs, frontend ids, pod netns) across restarts.
public sealed partial class ServiceManager
{
    private void Restore()
    {
        if (ReadState(_stateFile) is not { } saved)
        {
            return;
        }
        foreach (var item in saved.Services)
        {
            try
            {
                var spec = ServiceSpecValidator.Validate(item.Spec);
                if (spec.Vip is null || !_vips.TryReserve(spec.Vip) || item.FrontendIds.Length != spec.Ports.Count)
                {
                    continue;
                }
                foreach (var id in item.FrontendIds)
                {
                    _frontendIds.Add(id);
                }
                _services[Key(spec.Namespace, spec.Name)] = new ServiceEntry(spec, item.FrontendIds);
            }
            catch (ArgumentException e)
            {
                Log.StateUnreadable(_logger, _stateFile!, e);
            }
        }
        foreach (var (path, podNamespace) in saved.PodNetns)
        {
            if (File.Exists(path))
            {
                _podNetns[path] = new PodNetns(HostsFileWriter.NetnsName(path), podNamespace, CookieOf(path));
            }
        }
    }

    /// <summary>The saved state, or null when there is none or it cannot be read.</summary>
    internal static PersistedServiceState? ReadState(string? stateFile, ILogger? logger = null)
    {
        if (stateFile is null || !File.Exists(stateFile))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<PersistedServiceState>(File.ReadAllText(stateFile), StateJson);
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            Log.StateUnreadable(logger ?? NullLogger.Instance, stateFile, e);
            return null;
        }
    }

    private void Persist()
    {
        if (_stateFile is null)
        {
            return;
        }
        var saved = new PersistedServiceState();
        foreach (var (path, entry) in _podNetns)
        {
            saved.PodNetns[path] = entry.PodNamespace;
        }
        foreach (var entry in _services.Values)
        {
            saved.Services.Add(new PersistedService(entry.Spec, entry.Ids));
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_stateFile))!);
        var tmp = _stateFile + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(saved, StateJson));
        File.Move(tmp, _stateFile, overwrite: true);
    }
}
