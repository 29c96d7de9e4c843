namespace CiliumL7.Proxy.Dns;

/// <summary>A parsed DNS query: what the proxy judges and reports.</summary>
/// <param name="Id">The message id (answers carry it back unchanged).</param>
/// <param name="Name">The question's name: lower-case, trailing dot, unusual bytes escaped.</param>
/// <param name="Type">QTYPE.</param>
/// <param name="Class">QCLASS.</param>
/// <param name="QuestionEnd">Offset just past the question section (a synthesized answer copies the header and question).</param>
internal readonly record struct DnsQuestion(ushort Id, string Name, ushort Type, ushort Class, int QuestionEnd);
