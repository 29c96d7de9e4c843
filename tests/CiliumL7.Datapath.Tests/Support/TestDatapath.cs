using System.Threading.Channels;
using CiliumL7.Datapath.Events;

namespace CiliumL7.Datapath.Tests.Support;

/// <summary>A datapath pinned under a unique bpffs root, removed on dispose, with its event reader.</summary>
internal sealed class TestDatapath : IDisposable
{
    public TestDatapath()
    {
        Root = "/sys/fs/bpf/ciliuml7-test-" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            Datapath = BpfDatapath.Open(new DatapathOptions { BpfObjectDir = BpfObjects.Directory, BpfRoot = Root });
        }
        catch
        {
            BpfDatapath.Cleanup(Root); // an object that did not load (e.g. not built) must not leave its root behind
            throw;
        }
        Events = Datapath.OpenEventReader();
    }

    public string Root { get; }

    public BpfDatapath Datapath { get; }

    public DatapathEventReader Events { get; }

    /// <summary>The next event matching <paramref name="match"/>, or null after the timeout.</summary>
    public async Task<DatapathEvent?> WaitForEventAsync(Func<DatapathEvent, bool> match, int timeoutMs = 5000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            while (await Events.Reader.WaitToReadAsync(cts.Token))
            {
                while (Events.Reader.TryRead(out var ev))
                {
                    if (match(ev))
                    {
                        return ev;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        return null;
    }

    /// <summary>Events available right now, after letting the poller catch up.</summary>
    public async Task<List<DatapathEvent>> DrainEventsAsync()
    {
        await Task.Delay(300);
        var list = new List<DatapathEvent>();
        while (Events.Reader.TryRead(out var ev))
        {
            list.Add(ev);
        }
        return list;
    }

    public void Dispose()
    {
        Events.Dispose();
        Datapath.Cleanup();
    }
}
