namespace CiliumL7.Policy.L7;

/// <summary>Kafka API key names and the <c>role</c> expansion of Cilium's ≤v1.19 Kafka rules.</summary>
public static class KafkaApiKeys
{
    /// <summary>API key numbers by the names Cilium accepts in <c>apiKey</c>.</summary>
    public static IReadOnlyDictionary<string, short> ByName { get; } = new Dictionary<string, short>(StringComparer.OrdinalIgnoreCase)
    {
        ["produce"] = 0, ["fetch"] = 1, ["offsets"] = 2, ["metadata"] = 3, ["leaderandisr"] = 4,
        ["stopreplica"] = 5, ["updatemetadata"] = 6, ["controlledshutdown"] = 7, ["offsetcommit"] = 8,
        ["offsetfetch"] = 9, ["findcoordinator"] = 10, ["joingroup"] = 11, ["heartbeat"] = 12,
        ["leavegroup"] = 13, ["syncgroup"] = 14, ["describegroups"] = 15, ["listgroups"] = 16,
        ["saslhandshake"] = 17, ["apiversions"] = 18, ["createtopics"] = 19, ["deletetopics"] = 20,
        ["deleterecords"] = 21, ["initproducerid"] = 22, ["offsetforleaderepoch"] = 23,
        ["addpartitionstotxn"] = 24, ["addoffsetstotxn"] = 25, ["endtxn"] = 26,
        ["writetxnmarkers"] = 27, ["txnoffsetcommit"] = 28, ["describeacls"] = 29, ["createacls"] = 30,
        ["deleteacls"] = 31, ["describeconfigs"] = 32, ["alterconfigs"] = 33,
    };

    /// <summary><c>role: produce</c>: produce, metadata, apiversions.</summary>
    public static IReadOnlyList<short> ProduceRole { get; } = [0, 3, 18];

    /// <summary><c>role: consume</c>: fetch, offsets, metadata, offsetcommit, offsetfetch, findcoordinator, joingroup, heartbeat, leavegroup, syncgroup, apiversions.</summary>
    public static IReadOnlyList<short> ConsumeRole { get; } = [1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 18];

    /// <summary>Parses an API key name or number.</summary>
    public static bool TryParse(string text, out short key)
    {
        if (ByName.TryGetValue(text, out key))
        {
            return true;
        }
        return short.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out key) && key >= 0;
    }
}
