using CiliumL7.Client.Models;

namespace CiliumL7.Agent.Datapath;

/// <summary>The last N datapath drops, for <c>status</c>, <c>/v1/drops</c> and tests. Thread-safe.</summary>
internal sealed class DropRecorder
{
    private readonly Queue<DropEventModel> _drops = new();
    private readonly int _capacity;
    private long _total;

    public DropRecorder(int capacity = 1024) => _capacity = capacity;

    public long Total => Interlocked.Read(ref _total);

    public void Add(DropEventModel drop)
    {
        lock (_drops)
        {
            if (_drops.Count == _capacity)
            {
                _drops.Dequeue();
            }
            _drops.Enqueue(drop);
            _total++;
        }
    }

    public List<DropEventModel> Last(int count)
    {
        lock (_drops)
        {
            return [.. _drops.Skip(Math.Max(0, _drops.Count - count))];
        }
    }
}
