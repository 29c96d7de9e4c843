namespace CiliumL7.Client.Models;

/// <summary>Datapath part of <see cref="StatusModel"/>.</summary>
public sealed record DatapathStatusModel
{
    /// <summary><c>Ok</c>, <c>Disabled</c> (no BPF objects) or <c>Failure</c>.</summary>
    public required string State { get; init; }

    /// <summary>Why the state is not <c>Ok</c>, if so.</summary>
    public string? Message { get; init; }

    /// <summary>bpffs root of the pins.</summary>
    public required string BpfRoot { get; init; }

    /// <summary>Programs attached, as <c>program@interface</c>.</summary>
    public IReadOnlyList<string> Attachments { get; init; } = [];

    /// <summary>Pinned maps.</summary>
    public IReadOnlyList<string> Maps { get; init; } = [];
}
