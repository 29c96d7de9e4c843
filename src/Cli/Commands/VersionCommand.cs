using System.CommandLine;
using System.Reflection;

namespace CiliumL7.Cli;

/// <summary><c>ciliuml7 version</c>.</summary>
internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the CLI version");
        command.SetAction(_ =>
        {
            var version = typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            Console.WriteLine("ciliuml7 " + version);
            return 0;
        });
        return command;
    }
}
