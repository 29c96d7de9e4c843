using CiliumL7.Agent.Memory;

namespace CiliumL7.Agent.Tests.Unit;

public sealed class IdleMemoryTrimmerTests
{
    private long _activity;
    private long _committed = 200L << 20;
    private long _live = 50L << 20;
    private int _trims;

    private IdleMemoryTrimmer Create() => new(() => _activity, () => (_committed, _live), () =>
    {
        _trims++;
        _activity++; // the trim's own collection counts as one
        _committed = _live;
    });

    [Fact]
    public void Tick_QuietAfterActivity_TrimsOnce()
    {
        var trimmer = Create();
        Assert.False(trimmer.Tick()); // first reading
        _activity += 10;
        Assert.False(trimmer.Tick()); // busy interval
        Assert.True(trimmer.Tick()); // quiet interval
        Assert.False(trimmer.Tick()); // still quiet: once is enough
        Assert.False(trimmer.Tick());
        Assert.Equal(1, _trims);
    }

    [Fact]
    public void Tick_ActivityInEveryInterval_NeverTrims()
    {
        var trimmer = Create();
        for (var i = 0; i < 10; i++)
        {
            _activity++;
            Assert.False(trimmer.Tick());
        }
        Assert.Equal(0, _trims);
    }

    [Fact]
    public void Tick_LittleToGiveBack_DoesNotCollect()
    {
        _committed = _live + IdleMemoryTrimmer.MinSlackBytes - 1;
        var trimmer = Create();
        trimmer.Tick();
        Assert.False(trimmer.Tick());
        Assert.False(trimmer.Tick());
        Assert.Equal(0, _trims);
    }

    [Fact]
    public void Tick_ActivityAfterATrim_TrimsAgainOnceQuiet()
    {
        var trimmer = Create();
        trimmer.Tick();
        Assert.True(trimmer.Tick());
        _activity += 5;
        _committed = 300L << 20; // a new burst
        Assert.False(trimmer.Tick());
        Assert.True(trimmer.Tick());
        Assert.Equal(2, _trims);
    }
}
