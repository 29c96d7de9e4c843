namespace CiliumL7.Datapath;

/// <summary>Where the datapath finds its programs and pins its state.</summary>
public sealed record DatapathOptions
{
    /// <summary>The directory holding <c>from-container.o</c> and <c>to-container.o</c> (make's <c>bin/bpf</c>).</summary>
    public required string BpfObjectDir { get; init; }

    /// <summary>The bpffs directory for pins; bpffs is mounted at <c>/sys/fs/bpf</c> when missing.</summary>
    public string BpfRoot { get; init; } = "/sys/fs/bpf/ciliuml7";
}
