namespace CiliumL7.Datapath.Tests;

/// <summary>A private bpffs mounted on a fresh temporary directory; unmounted and removed on dispose.</summary>
internal sealed class ServicesBpfFs : IDisposable
{
    public ServicesBpfFs()
    {
        MountPoint = Path.Combine(Path.GetTempPath(), "cl7svc-bpffs-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(MountPoint);
        try
        {
            ServicesShell.Ok("mount", "-t", "bpf", "bpf", MountPoint);
        }
        catch
        {
            Directory.Delete(MountPoint);
            throw;
        }
        Root = Path.Combine(MountPoint, "ciliuml7");
    }

    public string MountPoint { get; }

    /// <summary>The agent-style root below the mount (not created: Install creates it).</summary>
    public string Root { get; }

    public void Dispose()
    {
        ServicesShell.Run("umount", MountPoint);
        try
        {
            Directory.Delete(MountPoint);
        }
        catch (IOException)
        {
        }
    }
}
