namespace CiliumL7.Agent;

/// <summary>Entry point of <c>ciliuml7-agent</c> (being built: see issue 3).</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        Console.Error.WriteLine("ciliuml7-agent: not yet assembled in this build; see ARCHITECTURE.md");
        return args.Length == 0 ? 2 : 2;
    }
}
