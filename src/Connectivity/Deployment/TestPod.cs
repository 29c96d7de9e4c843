namespace CiliumL7.Connectivity.Deployment;

/// <summary>A test pod the run created: its name, network namespace and address.</summary>
internal sealed record TestPod(string Name, string Labels, string Netns, string Ip);
