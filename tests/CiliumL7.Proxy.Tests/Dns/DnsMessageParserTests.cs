using System.Net;
using CiliumL7.Proxy.Dns;
using static CiliumL7.Proxy.Tests.Dns.DnsWire;

namespace CiliumL7.Proxy.Tests.Dns;

/// <summary>The malformed-message table: every message here is refused by the parser (and so never forwarded).</summary>
public sealed class DnsMessageParserTests
{
    public static TheoryData<string, byte[], string> Malformed() => new()
    {
        { "empty", [], nameof(DnsParseError.Truncated) },
        { "short header", [0x12, 0x34, 0x01, 0x00, 0x00, 0x01], nameof(DnsParseError.Truncated) },
        { "response as query", Concat(Header(1, 0x8100, 1), Name("a.test"), U16(1), U16(1)), nameof(DnsParseError.NotAQuery) },
        { "opcode status", Concat(Header(1, 0x1000, 1), Name("a.test"), U16(1), U16(1)), nameof(DnsParseError.NotAQuery) },
        { "no question", Header(1, 0x0100, 0), nameof(DnsParseError.NotAQuery) },
        { "two questions", Concat(Header(1, 0x0100, 2), Name("a.test"), U16(1), U16(1), Name("b.test"), U16(1), U16(1)), nameof(DnsParseError.NotAQuery) },
        { "question cut", Concat(Header(1, 0x0100, 1), Name("a.test"), U16(1)), nameof(DnsParseError.Truncated) },
        { "name cut", Concat(Header(1, 0x0100, 1), [5, (byte)'a', (byte)'b']), nameof(DnsParseError.BadName) },
        { "label of 64", Concat(Header(1, 0x0100, 1), [64], new byte[64], [0], U16(1), U16(1)), nameof(DnsParseError.BadName) },
        { "name over 255", Concat(Header(1, 0x0100, 1), Name(string.Join('.', Enumerable.Repeat(new string('a', 63), 4))), U16(1), U16(1)), nameof(DnsParseError.BadName) },
        { "pointer to itself", Concat(Header(1, 0x0100, 1), [0xC0, 12], U16(1), U16(1)), nameof(DnsParseError.BadName) },
        { "pointer forwards", Concat(Header(1, 0x0100, 1), [0xC0, 20], U16(1), U16(1), Name("a")), nameof(DnsParseError.BadName) },
        { "pointer loop", Concat(Header(1, 0x0100, 1), [1, (byte)'a', 0xC0, 12], U16(1), U16(1)), nameof(DnsParseError.BadName) },
        { "pointer past end", Concat(Header(1, 0x0100, 1), [0xC0]), nameof(DnsParseError.BadName) },
        { "extended label type", Concat(Header(1, 0x0100, 1), [0x41, 0], U16(1), U16(1)), nameof(DnsParseError.BadName) },
        { "count lies (additional)", Concat(Header(1, 0x0100, 1, ar: 2), Name("a.test"), U16(1), U16(1), Opt()), nameof(DnsParseError.BadName) },
        { "count lies (answer)", Concat(Header(1, 0x0100, 1, an: 1), Name("a.test"), U16(1), U16(1)), nameof(DnsParseError.BadName) },
        { "rdata past end", Concat(Header(1, 0x0100, 1, ar: 1), Name("a.test"), U16(1), U16(1), [0], U16(41), U16(512), U32(0), U16(40), [1, 2]), nameof(DnsParseError.Truncated) },
        { "trailing garbage", Concat(Query("a.test"), [0xde, 0xad]), nameof(DnsParseError.TrailingBytes) },
        { "two OPT records", Concat(Header(1, 0x0100, 1, ar: 2), Name("a.test"), U16(1), U16(1), Opt(), Opt()), nameof(DnsParseError.BadEdns) },
        { "OPT not at root", Concat(Header(1, 0x0100, 1, ar: 1), Name("a.test"), U16(1), U16(1), Name("x"), U16(41), U16(512), U32(0), U16(0)), nameof(DnsParseError.BadEdns) },
        { "OPT in answer section", Concat(Header(1, 0x0100, 1, an: 1), Name("a.test"), U16(1), U16(1), Opt()), nameof(DnsParseError.BadEdns) },
        { "too many records", Concat(Header(1, 0x0100, 1, an: 600), Name("a"), U16(1), U16(1)), nameof(DnsParseError.TooManyRecords) },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void ParseQuery_Malformed_Refused(string what, byte[] message, string expected)
    {
        Assert.Equal(expected, DnsMessageParser.ParseQuery(message, out _).ToString());
        Assert.NotNull(what);
    }

    [Theory]
    [InlineData("www.Empire.TEST", "www.empire.test.")]
    [InlineData("a", "a.")]
    [InlineData("", ".")]
    public void ParseQuery_Valid_LowerCaseNameWithTrailingDot(string name, string expected)
    {
        var query = Query(name, type: 28, id: 0xBEEF);
        Assert.Equal(DnsParseError.None, DnsMessageParser.ParseQuery(query, out var q));
        Assert.Equal(new DnsQuestion(0xBEEF, expected, 28, 1, query.Length), q);
    }

    [Fact]
    public void ParseQuery_Edns0_Accepted()
    {
        var query = Query("api.empire.test", edns: true);
        Assert.Equal(DnsParseError.None, DnsMessageParser.ParseQuery(query, out var q));
        Assert.Equal("api.empire.test.", q.Name);
        Assert.Equal(query.Length - Opt().Length, q.QuestionEnd);
    }

    [Fact]
    public void ParseQuery_LongestName_Accepted()
    {
        // 3 labels of 63 + one of 61 = 253 characters, 255 bytes on the wire.
        var name = string.Join('.', new string('a', 63), new string('b', 63), new string('c', 63), new string('d', 61));
        Assert.Equal(DnsParseError.None, DnsMessageParser.ParseQuery(Query(name), out var q));
        Assert.Equal(name + ".", q.Name);
    }

    [Fact]
    public void ParseQuery_OddBytesInLabel_EscapedSoNoRuleMatchesThem()
    {
        var query = Concat(Header(1, 0x0100, 1), [5, (byte)'a', (byte)'.', (byte)'b', (byte)'*', 0x00, 4, (byte)'t', (byte)'e', (byte)'s', (byte)'t', 0], U16(1), U16(1));
        Assert.Equal(DnsParseError.None, DnsMessageParser.ParseQuery(query, out var q));
        Assert.Equal("a\\.b\\042\\000.test.", q.Name);
    }

    [Fact]
    public void ParseAnswer_CnameChainWithCompression_AddressesOfTheChainOnly()
    {
        // question at 12: "www.empire.test"; answer: www CNAME edge.empire.test (compressed), edge A 198.51.100.10,
        // edge AAAA 2001:db8::10, an unrelated A for other.test.
        var question = Concat(Name("www.empire.test"), U16(1), U16(1));
        var header = Header(0x4242, 0x8180, 1, an: 4);
        var edgeAt = 12 + question.Length + 12; // after the first record's fixed part
        byte[] cnameData = Concat([4, (byte)'e', (byte)'d', (byte)'g', (byte)'e', 0xC0, 16]); // edge + ptr to "empire.test"
        var first = Record(12, 5, 300, cnameData);
        var message = Concat(header, question, first,
            Record(edgeAt, 1, 30, [198, 51, 100, 10]),
            Record(edgeAt, 28, 60, IPAddress.Parse("2001:db8::10").GetAddressBytes()),
            Concat(Name("other.test"), U16(1), U16(1), U32(5), U16(4), [203, 0, 113, 9]));

        Assert.Equal(DnsParseError.None, DnsMessageParser.ParseAnswer(message, out var answer));
        Assert.NotNull(answer);
        Assert.Equal(0x4242, answer!.Id);
        Assert.Equal(0, answer.Rcode);
        Assert.Equal("www.empire.test.", answer.Name);
        Assert.Equal(["edge.empire.test."], answer.Cnames);
        Assert.Equal([(IPAddress.Parse("198.51.100.10"), 30u), (IPAddress.Parse("2001:db8::10"), 60u)], answer.Addresses);
        Assert.Equal(30u, answer.MinTtl);
        Assert.Equal(new ushort[] { 5, 1, 28, 1 }, answer.RecordTypes);
    }

    [Fact]
    public void ParseAnswer_TruncatedBitAndRefused_Reported()
    {
        var message = Concat(Header(7, 0x8385, 1), Name("a.test"), U16(1), U16(1));
        Assert.Equal(DnsParseError.None, DnsMessageParser.ParseAnswer(message, out var answer));
        Assert.True(answer!.Truncated);
        Assert.Equal(5, answer.Rcode);
        Assert.Empty(answer.Addresses);
    }

    [Fact]
    public void ParseAnswer_ARecordWithWrongLength_Refused()
    {
        var message = Concat(Header(7, 0x8180, 1, an: 1), Name("a.test"), U16(1), U16(1), Record(12, 1, 30, [1, 2, 3]));
        Assert.NotEqual(DnsParseError.None, DnsMessageParser.ParseAnswer(message, out _));
    }

    [Fact]
    public void Write_Refused_SameIdAndQuestionNoRecords()
    {
        var query = Query("x.test", id: 0x0A0B, edns: true);
        Assert.Equal(DnsParseError.None, DnsMessageParser.ParseQuery(query, out var q));
        var answer = DnsResponses.Create(query, q.QuestionEnd, DnsResponses.Refused);
        Assert.Equal(DnsParseError.None, DnsMessageParser.ParseAnswer(answer, out var parsed));
        Assert.Equal(0x0A0B, parsed!.Id);
        Assert.Equal(5, parsed.Rcode);
        Assert.Equal("x.test.", parsed.Name);
        Assert.Equal(query[12..q.QuestionEnd], answer[12..]);
        Assert.Equal(0x81, answer[2]); // QR + RD echoed
    }
}
