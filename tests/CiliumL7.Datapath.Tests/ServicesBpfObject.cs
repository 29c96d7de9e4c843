using CiliumL7.TestSupport;

namespace CiliumL7.Datapath.Tests;

/// <summary>Compiles bpf/sock-lb.c once per test run into the test output directory (same flags as the Makefile).</summary>
internal static class ServicesBpfObject
{
    private static readonly Lazy<string> Compiled = new(Compile, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Path => Compiled.Value;

    private static string Compile()
    {
        var dir = System.IO.Path.Combine(AppContext.BaseDirectory, "bpf");
        Directory.CreateDirectory(dir);
        var output = System.IO.Path.Combine(dir, "sock-lb.o");
        var arch = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "aarch64" : "x86_64";
        ServicesShell.Ok("clang", "-O2", "-g", "-Wall", "-Werror", "-target", "bpf", "-D__TARGET_ARCH_x86",
            "-I", RepoPaths.Combine("bpf", "include"), "-I", RepoPaths.Combine("bpf", "lib"),
            "-idirafter", "/usr/include/" + arch + "-linux-gnu",
            "-c", RepoPaths.Combine("bpf", "sock-lb.c"), "-o", output);
        return output;
    }
}
