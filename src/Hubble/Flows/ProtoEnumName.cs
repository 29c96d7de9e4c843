using System.Collections.Frozen;
using System.Globalization;
using System.Reflection;
using Google.Protobuf.Reflection;

namespace CiliumL7.Hubble.Flows;

/// <summary>
/// The .proto spelling of a generated enum value ("FORWARDED", "POLICY_DENIED",
/// "L3_L4"), which is what Hubble prints and labels metrics with; the C#
/// names are PascalCased. Cached per enum type, no allocation per call.
/// </summary>
/// <typeparam name="TEnum">A protoc-generated enum.</typeparam>
public static class ProtoEnumName<TEnum>
    where TEnum : struct, Enum
{
    private static readonly FrozenDictionary<int, string> Names = Build();
    private static readonly FrozenDictionary<int, string> LowerNames = Names.ToFrozenDictionary(kv => kv.Key, kv => kv.Value.ToLowerInvariant());

    /// <summary>The proto name of <paramref name="value"/>, or its number when undefined.</summary>
    public static string Of(TEnum value)
    {
        var number = Number(value);
        return Names.TryGetValue(number, out var name) ? name : number.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The proto name in lower case ("dropped"), cached.</summary>
    public static string LowerOf(TEnum value)
    {
        var number = Number(value);
        return LowerNames.TryGetValue(number, out var name) ? name : number.ToString(CultureInfo.InvariantCulture);
    }

    // Generated proto enums are int-backed: read the value without boxing.
    private static int Number(TEnum value) => System.Runtime.CompilerServices.Unsafe.As<TEnum, int>(ref value);

    /// <summary>Parses a proto name ("DROPPED"); case-insensitive.</summary>
    public static bool TryParse(string name, out TEnum value)
    {
        foreach (var (number, protoName) in Names)
        {
            if (string.Equals(protoName, name, StringComparison.OrdinalIgnoreCase))
            {
                value = (TEnum)Enum.ToObject(typeof(TEnum), number);
                return true;
            }
        }
        value = default;
        return false;
    }

    private static FrozenDictionary<int, string> Build()
    {
        if (Enum.GetUnderlyingType(typeof(TEnum)) != typeof(int))
        {
            throw new NotSupportedException(typeof(TEnum) + " is not an int-backed protobuf enum");
        }
        var names = new Dictionary<int, string>();
        foreach (var field in typeof(TEnum).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var number = Convert.ToInt32(field.GetValue(null), CultureInfo.InvariantCulture);
            names[number] = field.GetCustomAttribute<OriginalNameAttribute>()?.Name ?? field.Name;
        }
        return names.ToFrozenDictionary();
    }
}
