namespace CiliumL7.Proxy.Tests.Support;

public enum BackendMode
{
    Respond,
    ResetBeforeHeaders,
    Hang,
    ResetMidBody,
}
