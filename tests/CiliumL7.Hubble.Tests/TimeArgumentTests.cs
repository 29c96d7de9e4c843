using CiliumL7.Hubble.Client;

namespace CiliumL7.Hubble.Tests;

public sealed class TimeArgumentTests
{
    private static readonly DateTimeOffset Now = new(2026, 4, 5, 21, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("5m", "2026-04-05T20:55:00Z")]
    [InlineData("1h30m", "2026-04-05T19:30:00Z")]
    [InlineData("90s", "2026-04-05T20:58:30Z")]
    [InlineData("1.5h", "2026-04-05T19:30:00Z")]
    [InlineData("250ms", "2026-04-05T20:59:59.75Z")]
    [InlineData("2026-04-05T21:03:15Z", "2026-04-05T21:03:15Z")]
    [InlineData("2026-04-05T23:03:15+02:00", "2026-04-05T21:03:15Z")]
    [InlineData("2026-04-05", "2026-04-05T00:00:00Z")]
    public void Parse_RelativeOrAbsolute_ReturnsTime(string text, string expected)
        => Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), TimeArgument.Parse(text, Now));

    [Theory]
    [InlineData("5 minutes")]
    [InlineData("m5")]
    [InlineData("yesterday")]
    public void Parse_Garbage_Throws(string text) => Assert.Throws<FormatException>(() => TimeArgument.Parse(text, Now));
}
