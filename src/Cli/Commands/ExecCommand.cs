using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace CiliumL7.Cli;

/// <summary>
/// <c>ciliuml7 exec POD [--namespace NS] -- CMD ARGS...</c>: runs CMD inside the
/// pod's network namespace (ip netns exec NAME, so /etc/netns/NAME/hosts applies; nsenter --net for other paths), passing stdio and the exit code
/// through, like <c>kubectl exec</c>.
/// </summary>
internal static class ExecCommand
{
    public static Command Create()
    {
        var host = AgentConnection.CreateHostOption();
        var pod = new Argument<string>("pod") { Description = "Pod name (or NAMESPACE/POD, endpoint id)" };
        var cmd = new Argument<string[]>("command") { Description = "Command and arguments (after --)", Arity = ArgumentArity.OneOrMore };
        var ns = new Option<string>("--namespace", "-n") { Description = "Pod namespace", DefaultValueFactory = _ => "default" };
        var command = new Command("exec", "Run a command inside a pod's network namespace (like kubectl exec)");
        command.Arguments.Add(pod);
        command.Arguments.Add(cmd);
        command.Options.Add(ns);
        command.Options.Add(host);
        command.SetAction((pr, ct) => AgentConnection.RunAsync(async () =>
        {
            using var client = AgentConnection.Connect(pr, host);
            var endpoint = await EndpointCommands.FindAsync(client, pr.GetValue(pod)!, pr.GetValue(ns)!, ct).ConfigureAwait(false);
            if (endpoint is null)
            {
                Console.Error.WriteLine($"Error: pod \"{pr.GetValue(pod)}\" not found in namespace {pr.GetValue(ns)}");
                return 1;
            }
            // A named netns runs through `ip netns exec`, which also bind-mounts /etc/netns/NAME/*
            // (the pod's hosts file: service names resolve); any other netns path through nsenter.
            ProcessStartInfo psi;
            if (Path.GetDirectoryName(endpoint.Netns) == EndpointCommands.NetnsDir)
            {
                psi = new ProcessStartInfo("ip") { UseShellExecute = false };
                psi.ArgumentList.Add("netns");
                psi.ArgumentList.Add("exec");
                psi.ArgumentList.Add(Path.GetFileName(endpoint.Netns));
            }
            else
            {
                psi = new ProcessStartInfo("nsenter") { UseShellExecute = false };
                psi.ArgumentList.Add("--net=" + endpoint.Netns);
                psi.ArgumentList.Add("--");
            }
            foreach (var arg in pr.GetValue(cmd)!)
            {
                psi.ArgumentList.Add(arg);
            }
            using var process = Process.Start(psi)!;
            // Like kubectl exec: a SIGTERM/SIGINT/SIGHUP to us is passed on to the command, whose exit code we return.
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Forward(c, process, 15));
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Forward(c, process, 2));
            using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => Forward(c, process, 1));
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            return process.ExitCode;
        }));
        return command;
    }

    private static void Forward(PosixSignalContext context, Process process, int signal)
    {
        context.Cancel = true;
        try
        {
            if (!process.HasExited)
            {
                _ = Kill(process.Id, signal);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
