namespace CiliumL7.Cni;

/// <summary>Entry point of <c>ciliuml7-cni</c> (being built: see issue 3).</summary>
internal static class Program
{
    private static int Main()
    {
        Console.Out.WriteLine("{\"cniVersion\":\"1.0.0\",\"code\":100,\"msg\":\"ciliuml7-cni is not assembled in this build\"}");
        return 1;
    }
}
