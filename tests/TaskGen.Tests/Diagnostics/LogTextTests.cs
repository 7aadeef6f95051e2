using System.Linq;
using TaskGen.Diagnostics;

namespace TaskGen.Tests.Diagnostics;

/// <summary>Text from messages made safe for one log line: no line breaks, no terminal controls, bounded length.</summary>
public sealed class LogTextTests
{
    [Fact]
    public void NullShowsAsNone() => Assert.Equal("(none)", LogText.Escape(null));

    [Fact]
    public void PlainTextIsReturnedAsItIs()
    {
        string id = "8f0c1e2a-3b4d-4c5e-9f60-718293a4b5c6 Geometry.RectArea é 😀";

        Assert.Same(id, LogText.Escape(id));
    }

    [Fact]
    public void LineBreaksAreEscapedSoTheyCannotForgeALine() =>
        Assert.Equal("abc\\r\\n[2026-01-01 00:00:00,000: INFO] forged\\t!", LogText.Escape("abc\r\n[2026-01-01 00:00:00,000: INFO] forged\t!"));

    [Fact]
    public void OtherControlFormatAndSeparatorCharactersBecomeUnicodeEscapes() =>
        Assert.Equal("a\\u0000b\\u001B[31mc\\u2028d\\u202Ee\\u0085f", LogText.Escape("a\0b\u001b[31mc\u2028d\u202ee\u0085f"));

    [Fact]
    public void ABackslashIsDoubledSoAnEscapeIsNeverAmbiguous() =>
        Assert.Equal("a\\\\nb", LogText.Escape("a\\nb"));

    [Fact]
    public void ALoneSurrogateIsEscapedAndAPairIsKept() =>
        Assert.Equal("\\uD800x😀\\uDC00", LogText.Escape("\uD800x😀\uDC00"));

    [Fact]
    public void LongTextIsCutWithAnEllipsis()
    {
        string escaped = LogText.Escape(new string('x', 5000));

        Assert.Equal(LogText.MaxLength + 1, escaped.Length);
        Assert.EndsWith("x…", escaped, System.StringComparison.Ordinal);
    }

    [Fact]
    public void EscapesCountTowardsTheLimitAndAreNeverCutInHalf()
    {
        string escaped = LogText.Escape(new string('\n', 5000));

        Assert.True(escaped.Length <= LogText.MaxLength + 1, escaped.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(LogText.MaxLength / 2, escaped.Split("\\n").Length - 1);
        Assert.EndsWith("\\n…", escaped, System.StringComparison.Ordinal);
    }

    [Fact]
    public void ASurrogatePairAtTheLimitIsNotSplit()
    {
        string escaped = LogText.Escape(new string('x', LogText.MaxLength - 1) + "😀tail");

        Assert.Equal(new string('x', LogText.MaxLength - 1) + "…", escaped);
        Assert.DoesNotContain(escaped, char.IsSurrogate);
    }
}
