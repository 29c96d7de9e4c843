using System.Globalization;

namespace CiliumL7.Hubble.Filters;

/// <summary>Hubble's http_status_code filter: "403" exactly, or "4+" / "40+" as a prefix.</summary>
internal readonly record struct HttpStatusMatcher(uint Low, uint High)
{
    public static HttpStatusMatcher Parse(string value)
    {
        var prefix = value.EndsWith('+');
        var digits = prefix ? value[..^1] : value;
        if (digits.Length is < 1 or > 3 || (!prefix && digits.Length != 3)
            || !uint.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            || digits[0] is < '1' or > '5')
        {
            throw new FormatException("want a status code (100-599) or a prefix such as \"4+\" or \"40+\"");
        }
        var scale = digits.Length switch { 1 => 100u, 2 => 10u, _ => 1u };
        return new HttpStatusMatcher(number * scale, (number * scale) + scale - 1);
    }

    public bool Matches(uint code) => code >= Low && code <= High;
}
