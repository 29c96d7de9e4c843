namespace CiliumL7.TestSupport;

/// <summary>Locates files of this repository from a running test.</summary>
public static class RepoPaths
{
    /// <summary>The repository root: the nearest ancestor holding CiliumL7.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A path below the repository root.</summary>
    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CiliumL7.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("CiliumL7.sln not found above " + AppContext.BaseDirectory);
    }
}
