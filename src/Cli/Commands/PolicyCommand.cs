using System.CommandLine;

namespace CiliumL7.Cli;

/// <summary><c>ciliuml7 policy</c>: validate and trace policy manifests.</summary>
internal static class PolicyCommand
{
    public static Command Create()
    {
        var command = new Command("policy", "Validate policy manifests and trace what they allow");
        command.Subcommands.Add(PolicyValidateCommand.Create());
        command.Subcommands.Add(PolicyTraceCommand.Create());
        command.Subcommands.Add(PolicyGenerateCommand.Create());
        return command;
    }
}
