namespace CiliumL7.Proxy.Http.FastPath;

/// <summary>
/// Follows a chunked body as its bytes stream through unchanged, to find where it
/// ends (last chunk, trailer fields, empty line). Rejects what is not valid
/// chunked framing, so a response never runs into the next one.
/// </summary>
internal struct ChunkedBodyScanner
{
    private const int MaxLineLength = 4096;

    private State _state;
    private long _remaining;
    private int _lineLength;
    private bool _sawDigit;

    private enum State
    {
        Size,
        Extension,
        SizeLf,
        Data,
        DataCr,
        DataLf,
        TrailerStart,
        TrailerLine,
        TrailerLf,
        FinalLf,
        Done,
    }

    /// <summary>Starts a new body.</summary>
    public void Reset() => this = default;

    /// <summary>True once the whole body has been seen.</summary>
    public readonly bool IsDone => _state == State.Done;

    /// <summary>
    /// Consumes bytes of the body; returns how many belong to it (fewer than
    /// <paramref name="data"/>.Length only when the body ended), or -1 on bad framing.
    /// </summary>
    public int Scan(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length && _state != State.Done)
        {
            if (_state == State.Data)
            {
                var take = (int)Math.Min(_remaining, data.Length - i);
                i += take;
                _remaining -= take;
                if (_remaining == 0)
                {
                    _state = State.DataCr;
                }
                continue;
            }
            var b = data[i++];
            if (++_lineLength > MaxLineLength)
            {
                return -1;
            }
            switch (_state)
            {
                case State.Size:
                    var digit = HexValue(b);
                    if (digit >= 0)
                    {
                        if (_remaining > (long.MaxValue >> 5))
                        {
                            return -1;
                        }
                        _remaining = (_remaining << 4) | (uint)digit;
                        _sawDigit = true;
                    }
                    else if (!_sawDigit)
                    {
                        return -1;
                    }
                    else if (b == (byte)'\r')
                    {
                        _state = State.SizeLf;
                    }
                    else if (b is (byte)';' or (byte)' ' or (byte)'\t')
                    {
                        _state = State.Extension;
                    }
                    else
                    {
                        return -1;
                    }
                    break;
                case State.Extension:
                    if (b == (byte)'\r')
                    {
                        _state = State.SizeLf;
                    }
                    else if (b == (byte)'\n')
                    {
                        return -1;
                    }
                    break;
                case State.SizeLf:
                    if (b != (byte)'\n')
                    {
                        return -1;
                    }
                    _lineLength = 0;
                    _sawDigit = false;
                    _state = _remaining == 0 ? State.TrailerStart : State.Data;
                    break;
                case State.DataCr:
                    if (b != (byte)'\r')
                    {
                        return -1;
                    }
                    _state = State.DataLf;
                    break;
                case State.DataLf:
                    if (b != (byte)'\n')
                    {
                        return -1;
                    }
                    _lineLength = 0;
                    _state = State.Size;
                    break;
                case State.TrailerStart:
                    if (b == (byte)'\n')
                    {
                        return -1;
                    }
                    _state = b == (byte)'\r' ? State.FinalLf : State.TrailerLine;
                    break;
                case State.TrailerLine:
                    if (b == (byte)'\r')
                    {
                        _state = State.TrailerLf;
                    }
                    break;
                case State.TrailerLf:
                    if (b != (byte)'\n')
                    {
                        return -1;
                    }
                    _lineLength = 0;
                    _state = State.TrailerStart;
                    break;
                case State.FinalLf:
                    if (b != (byte)'\n')
                    {
                        return -1;
                    }
                    _state = State.Done;
                    break;
            }
        }
        return i;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
