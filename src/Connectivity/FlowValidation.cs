namespace CiliumL7.Connectivity;

/// <summary>cilium-cli's <c>--flow-validation</c>.</summary>
public enum FlowValidation
{
    /// <summary>A missing or unexpected flow fails the action.</summary>
    Strict,

    /// <summary>A flow mismatch is reported as a warning; the action's outcome alone decides.</summary>
    Warning,

    /// <summary>Flows are not checked.</summary>
    Disabled,
}
