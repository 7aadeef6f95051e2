using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using TaskGen.Protocol;
using TaskGen.Serialization;

namespace TaskGen.Tests.Serialization;

/// <summary>
/// The value readers and writers generated codecs call: what each writes, that it reads back what it
/// wrote, and that it reads what Python Celery sends (kombu 5.2 plain values, kombu 5.3 tagged values).
/// </summary>
public sealed class TaskJsonTests
{
    private enum Color
    {
        Red = 1,
        Green = 2,
    }

    private enum Tiny : byte
    {
        High = 200,
    }

    private enum Signed : sbyte
    {
        Negative = -5,
    }

    private enum Wide : uint
    {
        High = 4_000_000_000,
    }

    private enum Huge : ulong
    {
        Max = ulong.MaxValue,
    }

    private enum Long : long
    {
        Min = long.MinValue,
    }

    // ---- integers ----

    [Fact]
    public void BooleanRoundTrips()
    {
        Assert.Equal("true", Write(true, TaskJson.WriteBoolean));
        Assert.Equal("false", Write(false, TaskJson.WriteBoolean));
        Assert.True(Read("true", TaskJson.ReadBoolean));
        Assert.False(Read("false", TaskJson.ReadBoolean));
        Assert.Throws<JsonException>(() => Read("1", TaskJson.ReadBoolean));
    }

    [Theory]
    [InlineData(byte.MinValue)]
    [InlineData((byte)7)]
    [InlineData(byte.MaxValue)]
    public void ByteRoundTrips(byte value) => AssertRoundTrip(value, TaskJson.WriteByte, TaskJson.ReadByte, Invariant(value));

    [Theory]
    [InlineData(sbyte.MinValue)]
    [InlineData((sbyte)0)]
    [InlineData(sbyte.MaxValue)]
    public void SByteRoundTrips(sbyte value) => AssertRoundTrip(value, TaskJson.WriteSByte, TaskJson.ReadSByte, Invariant(value));

    [Theory]
    [InlineData(short.MinValue)]
    [InlineData((short)-1)]
    [InlineData(short.MaxValue)]
    public void Int16RoundTrips(short value) => AssertRoundTrip(value, TaskJson.WriteInt16, TaskJson.ReadInt16, Invariant(value));

    [Theory]
    [InlineData(ushort.MinValue)]
    [InlineData(ushort.MaxValue)]
    public void UInt16RoundTrips(ushort value) => AssertRoundTrip(value, TaskJson.WriteUInt16, TaskJson.ReadUInt16, Invariant(value));

    [Theory]
    [InlineData(int.MinValue)]
    [InlineData(0)]
    [InlineData(42)]
    [InlineData(int.MaxValue)]
    public void Int32RoundTrips(int value) => AssertRoundTrip(value, TaskJson.WriteInt32, TaskJson.ReadInt32, Invariant(value));

    [Theory]
    [InlineData(uint.MinValue)]
    [InlineData(uint.MaxValue)]
    public void UInt32RoundTrips(uint value) => AssertRoundTrip(value, TaskJson.WriteUInt32, TaskJson.ReadUInt32, Invariant(value));

    [Theory]
    [InlineData(long.MinValue)]
    [InlineData(-1L)]
    [InlineData(long.MaxValue)]
    public void Int64RoundTrips(long value) => AssertRoundTrip(value, TaskJson.WriteInt64, TaskJson.ReadInt64, Invariant(value));

    [Theory]
    [InlineData(ulong.MinValue)]
    [InlineData(ulong.MaxValue)]
    public void UInt64RoundTrips(ulong value) => AssertRoundTrip(value, TaskJson.WriteUInt64, TaskJson.ReadUInt64, Invariant(value));

    // ---- integer errors ----

    [Fact]
    public void Int64WiderThan64BitsSaysItDoesNotFit()
    {
        JsonException error = Assert.Throws<JsonException>(() => Read("123456789012345678901234567890", TaskJson.ReadInt64));
        Assert.Contains("does not fit", error.Message);
        Assert.Contains("123456789012345678901234567890", error.Message);
    }

    [Fact]
    public void Int32WithARealFractionSaysItIsNotAnInteger()
    {
        JsonException error = Assert.Throws<JsonException>(() => Read("2.5", TaskJson.ReadInt32));
        Assert.Contains("not an integer", error.Message);
    }

    [Fact]
    public void Int32FromAPythonFloatHoldingAnIntegerReadsTheInteger()
    {
        Assert.Equal(2, Read("2.0", TaskJson.ReadInt32));
        Assert.Equal(100, Read("1e2", TaskJson.ReadInt32));
        Assert.Equal(2L, Read("2.0", TaskJson.ReadInt64));
    }

    [Fact]
    public void Int32FromAStringSaysWhatItGot()
    {
        JsonException error = Assert.Throws<JsonException>(() => Read("\"5\"", TaskJson.ReadInt32));
        Assert.Equal("Expected an integer, got a string.", error.Message);
    }

    [Fact]
    public void ByteOutOfRangeSaysItDoesNotFit()
    {
        JsonException error = Assert.Throws<JsonException>(() => Read("300", TaskJson.ReadByte));
        Assert.Contains("does not fit", error.Message);
        Assert.Contains("Byte", error.Message);
    }

    [Fact]
    public void UInt64NegativeSaysItDoesNotFit()
    {
        JsonException error = Assert.Throws<JsonException>(() => Read("-1", TaskJson.ReadUInt64));
        Assert.Contains("does not fit", error.Message);
    }

    // ---- floating point ----

    [Theory]
    [InlineData(1.5f, "1.5")]
    [InlineData(-0.25f, "-0.25")]
    [InlineData(float.MaxValue, null)]
    public void SingleRoundTrips(float value, string? expected)
    {
        string json = Write(value, TaskJson.WriteSingle);
        if (expected is not null)
        {
            Assert.Equal(expected, json);
        }

        Assert.Equal(value, Read(json, TaskJson.ReadSingle));
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(-1e300)]
    [InlineData(double.Epsilon)]
    [InlineData(3.0)]
    public void DoubleRoundTrips(double value)
    {
        string json = Write(value, TaskJson.WriteDouble);
        Assert.Equal(value, Read(json, TaskJson.ReadDouble));
    }

    [Theory]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    [InlineData(double.NegativeInfinity, "-Infinity")]
    public void DoubleNonFiniteIsWrittenAsPythonsBareLiteralAndReadsBackOnceQuoted(double value, string literal)
    {
        string json = Write(value, TaskJson.WriteDouble);
        Assert.Equal(literal, json);

        byte[] quoted = NonStandardJson.QuoteNonFiniteLiterals(Encoding.UTF8.GetBytes(json));
        Assert.Equal("\"" + literal + "\"", Encoding.UTF8.GetString(quoted));
        Assert.Equal(value, Read(quoted, TaskJson.ReadDouble));
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    [InlineData(float.NegativeInfinity, "-Infinity")]
    public void SingleNonFiniteIsWrittenAsPythonsBareLiteralAndReadsBackOnceQuoted(float value, string literal)
    {
        string json = Write(value, TaskJson.WriteSingle);
        Assert.Equal(literal, json);
        Assert.Equal(value, Read(NonStandardJson.QuoteNonFiniteLiterals(Encoding.UTF8.GetBytes(json)), TaskJson.ReadSingle));
    }

    [Fact]
    public void DoubleNonFiniteInsideAListReadsBackOnceQuoted()
    {
        string json = Write(new List<double> { 1.5, double.NaN, double.NegativeInfinity, double.PositiveInfinity }, ListWriter<double>(TaskJson.WriteDouble));
        Assert.Equal("[1.5,NaN,-Infinity,Infinity]", json);

        List<double> values = Read(NonStandardJson.QuoteNonFiniteLiterals(Encoding.UTF8.GetBytes(json)), ListReader<double>(TaskJson.ReadDouble));
        Assert.Equal(new[] { 1.5, double.NaN, double.NegativeInfinity, double.PositiveInfinity }, values);
    }

    [Fact]
    public void DoubleFromAnOrdinaryStringIsRefused()
    {
        Assert.Throws<JsonException>(() => Read("\"1.5\"", TaskJson.ReadDouble));
    }

    // ---- decimal ----

    [Fact]
    public void DecimalIsWrittenAsAStringKeepingItsScale()
    {
        Assert.Equal("\"1.50\"", Write(1.50m, TaskJson.WriteDecimal));
        Assert.Equal("\"-79228162514264337593543950335\"", Write(decimal.MinValue, TaskJson.WriteDecimal));
        Assert.Equal(decimal.MinValue, Read(Write(decimal.MinValue, TaskJson.WriteDecimal), TaskJson.ReadDecimal));
    }

    [Theory]
    [InlineData("1.50")]
    [InlineData("\"1.50\"")]
    [InlineData("{\"__type__\":\"decimal\",\"__value__\":\"1.50\"}")]
    public void DecimalReadsNumberStringAndKombuTaggedValue(string json)
    {
        decimal value = Read(json, TaskJson.ReadDecimal);
        Assert.Equal(1.50m, value);
        Assert.Equal("1.50", value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void DecimalWithTheWrongTagIsRefused()
    {
        JsonException error = Assert.Throws<JsonException>(() => Read("{\"__type__\":\"uuid\",\"__value__\":\"1.50\"}", TaskJson.ReadDecimal));
        Assert.Contains("decimal", error.Message);
    }

    // ---- strings and characters ----

    [Theory]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("quote \" backslash \\ newline \n unicode é ✓ 😀")]
    public void StringRoundTrips(string value)
    {
        string json = Write(value, TaskJson.WriteString);
        Assert.Equal(value, Read(json, TaskJson.ReadString));
    }

    [Fact]
    public void StringNullRoundTrips()
    {
        Assert.Equal("null", Write<string?>(null, TaskJson.WriteString));
        Assert.Null(Read("null", TaskJson.ReadString));
    }

    [Theory]
    [InlineData('x')]
    [InlineData('é')]
    [InlineData('"')]
    public void CharRoundTrips(char value)
    {
        string json = Write(value, TaskJson.WriteChar);
        Assert.Equal(value.ToString(), StringValue(json));
        Assert.Equal(value, Read(json, TaskJson.ReadChar));
    }

    [Fact]
    public void CharFromALongerStringIsRefused()
    {
        Assert.Throws<JsonException>(() => Read("\"ab\"", TaskJson.ReadChar));
    }

    // ---- UUIDs ----

    private static readonly Guid s_guid = Guid.Parse("6f1c8a3e-2b4d-4e5f-9a0b-1c2d3e4f5a6b");

    [Fact]
    public void GuidIsWrittenLowerCaseWithDashesAndRoundTrips()
    {
        string json = Write(s_guid, TaskJson.WriteGuid);
        Assert.Equal("\"6f1c8a3e-2b4d-4e5f-9a0b-1c2d3e4f5a6b\"", json);
        Assert.Equal(s_guid, Read(json, TaskJson.ReadGuid));
    }

    [Theory]
    [InlineData("\"6F1C8A3E-2B4D-4E5F-9A0B-1C2D3E4F5A6B\"")]
    [InlineData("{\"__type__\":\"uuid\",\"__value__\":{\"hex\":\"6f1c8a3e2b4d4e5f9a0b1c2d3e4f5a6b\"}}")]
    [InlineData("{\"__value__\":{\"hex\":\"6f1c8a3e2b4d4e5f9a0b1c2d3e4f5a6b\"},\"__type__\":\"uuid\"}")]
    [InlineData("{\"__type__\":\"uuid\",\"__value__\":\"6f1c8a3e-2b4d-4e5f-9a0b-1c2d3e4f5a6b\"}")]
    public void GuidReadsStringAndKombuTaggedValues(string json)
    {
        Assert.Equal(s_guid, Read(json, TaskJson.ReadGuid));
    }

    [Fact]
    public void GuidGarbageSaysItIsNotAUuid()
    {
        JsonException error = Assert.Throws<JsonException>(() => Read("\"not-a-uuid\"", TaskJson.ReadGuid));
        Assert.Contains("not a UUID", error.Message);
    }

    // ---- dates and times ----

    // 2024-05-06 07:08:09.123456 UTC, exact to the microsecond.
    private static readonly DateTime s_utc = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc).AddTicks(1_234_560);

    [Fact]
    public void DateTimeIsWrittenWithSixFractionalDigitsInUtcAndRoundTrips()
    {
        string json = Write(s_utc, TaskJson.WriteDateTime);
        Assert.Equal("2024-05-06T07:08:09.123456+00:00", StringValue(json));

        DateTime read = Read(json, TaskJson.ReadDateTime);
        Assert.Equal(s_utc, read);
        Assert.Equal(DateTimeKind.Utc, read.Kind);
    }

    [Fact]
    public void DateTimeLocalIsWrittenInUtc()
    {
        Assert.Equal("2024-05-06T07:08:09.123456+00:00", StringValue(Write(s_utc.ToLocalTime(), TaskJson.WriteDateTime)));
    }

    [Theory]
    [InlineData("\"2024-05-06T07:08:09.123456Z\"")]
    [InlineData("\"2024-05-06T07:08:09.123456+00:00\"")]
    [InlineData("\"2024-05-06T09:08:09.123456+02:00\"")]
    [InlineData("\"2024-05-06T07:08:09.123456\"")]
    [InlineData("{\"__type__\":\"datetime\",\"__value__\":\"2024-05-06T07:08:09.123456+00:00\"}")]
    public void DateTimeReadsEveryFormPythonSendsAsUtc(string json)
    {
        DateTime read = Read(json, TaskJson.ReadDateTime);
        Assert.Equal(s_utc, read);
        Assert.Equal(DateTimeKind.Utc, read.Kind);
    }

    [Fact]
    public void DateTimeOffsetIsWrittenInUtcWithSixFractionalDigitsAndRoundTrips()
    {
        var value = new DateTimeOffset(s_utc).ToOffset(TimeSpan.FromHours(2));
        string json = Write(value, TaskJson.WriteDateTimeOffset);
        Assert.Equal("2024-05-06T07:08:09.123456+00:00", StringValue(json));
        Assert.Equal(value, Read(json, TaskJson.ReadDateTimeOffset));
    }

    [Theory]
    [InlineData("\"2024-05-06T07:08:09.123456Z\"", 0)]
    [InlineData("\"2024-05-06T07:08:09.123456+00:00\"", 0)]
    [InlineData("\"2024-05-06T09:08:09.123456+02:00\"", 2)]
    [InlineData("\"2024-05-06T07:08:09.123456\"", 0)]
    [InlineData("{\"__type__\":\"datetime\",\"__value__\":\"2024-05-06T09:08:09.123456+02:00\"}", 2)]
    public void DateTimeOffsetReadsEveryFormPythonSends(string json, int offsetHours)
    {
        DateTimeOffset read = Read(json, TaskJson.ReadDateTimeOffset);
        Assert.Equal(s_utc, read.UtcDateTime);
        Assert.Equal(TimeSpan.FromHours(offsetHours), read.Offset);
    }

    [Fact]
    public void DateTimeGarbageIsRefusedWithTheText()
    {
        JsonException error = Assert.Throws<JsonException>(() => Read("\"yesterday\"", TaskJson.ReadDateTime));
        Assert.Contains("yesterday", error.Message);
    }

    [Theory]
    [InlineData("\"2024-02-29\"")]
    [InlineData("{\"__type__\":\"date\",\"__value__\":\"2024-02-29\"}")]
    public void DateOnlyRoundTripsAndReadsTaggedDate(string json)
    {
        var value = new DateOnly(2024, 2, 29);
        Assert.Equal("\"2024-02-29\"", Write(value, TaskJson.WriteDateOnly));
        Assert.Equal(value, Read(json, TaskJson.ReadDateOnly));
    }

    [Theory]
    [InlineData("\"07:08:09.123456\"", 123456)]
    [InlineData("{\"__type__\":\"time\",\"__value__\":\"07:08:09.123456\"}", 123456)]
    [InlineData("\"07:08:09\"", 0)]
    public void TimeOnlyRoundTripsAndReadsTaggedTime(string json, int microseconds)
    {
        var value = new TimeOnly(7, 8, 9).Add(TimeSpan.FromTicks(microseconds * 10L));
        Assert.Equal(value, Read(json, TaskJson.ReadTimeOnly));
        Assert.Equal(value, Read(Write(value, TaskJson.WriteTimeOnly), TaskJson.ReadTimeOnly));
    }

    [Fact]
    public void TimeOnlyIsWrittenWithSixFractionalDigits()
    {
        Assert.Equal("\"07:08:09.000000\"", Write(new TimeOnly(7, 8, 9), TaskJson.WriteTimeOnly));
    }

    [Fact]
    public void TimeSpanIsWrittenAsSecondsAndRoundTrips()
    {
        TimeSpan value = TimeSpan.FromMilliseconds(90_500);
        string json = Write(value, TaskJson.WriteTimeSpan);
        Assert.Equal("90.5", json);
        Assert.Equal(value, Read(json, TaskJson.ReadTimeSpan));

        TimeSpan precise = TimeSpan.FromTicks(1);
        Assert.Equal(precise, Read(Write(precise, TaskJson.WriteTimeSpan), TaskJson.ReadTimeSpan));
    }

    [Fact]
    public void TimeSpanReadsPythonTotalSeconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(1.25), Read("1.25", TaskJson.ReadTimeSpan));
        Assert.Equal(TimeSpan.FromDays(1), Read("86400", TaskJson.ReadTimeSpan));
    }

    // ---- bytes ----

    [Fact]
    public void BytesAreWrittenAsBase64AndRoundTrip()
    {
        byte[] value = [0, 1, 2, 255];
        string json = Write(value, TaskJson.WriteBytes);
        Assert.Equal("\"AAEC/w==\"", json);
        Assert.Equal(value, Read(json, TaskJson.ReadBytes));
        Assert.Equal("null", Write<byte[]?>(null, TaskJson.WriteBytes));
        Assert.Null(Read("null", TaskJson.ReadBytes));
    }

    [Theory]
    [InlineData("{\"__type__\":\"bytes\",\"__value__\":\"hi\"}")]
    [InlineData("{\"__type__\":\"base64\",\"__value__\":\"aGk=\"}")]
    public void BytesReadKombuTaggedValues(string json)
    {
        Assert.Equal("hi"u8.ToArray(), Read(json, TaskJson.ReadBytes));
    }

    // ---- enums ----

    [Fact]
    public void EnumIsWrittenAsItsNumberAndReadFromNumberOrName()
    {
        Assert.Equal("2", Write(Color.Green, TaskJson.WriteEnum));
        Assert.Equal(Color.Green, Read("2", TaskJson.ReadEnum<Color>));
        Assert.Equal(Color.Green, Read("\"Green\"", TaskJson.ReadEnum<Color>));
        Assert.Equal(Color.Green, Read("\"green\"", TaskJson.ReadEnum<Color>));
    }

    [Theory]
    [InlineData("\"Purple\"")]
    [InlineData("\"2\"")]
    [InlineData("\"-1\"")]
    public void EnumUnknownOrNumericNameIsRefused(string json)
    {
        JsonException error = Assert.Throws<JsonException>(() => Read(json, TaskJson.ReadEnum<Color>));
        Assert.Contains("not a member of Color", error.Message);
    }

    [Fact]
    public void EnumOfEveryUnderlyingWidthRoundTrips()
    {
        AssertRoundTrip(Tiny.High, TaskJson.WriteEnum, TaskJson.ReadEnum<Tiny>, "200");
        AssertRoundTrip(Signed.Negative, TaskJson.WriteEnum, TaskJson.ReadEnum<Signed>, "-5");
        AssertRoundTrip(Wide.High, TaskJson.WriteEnum, TaskJson.ReadEnum<Wide>, "4000000000");
        AssertRoundTrip(Long.Min, TaskJson.WriteEnum, TaskJson.ReadEnum<Long>, "-9223372036854775808");
        AssertRoundTrip(Huge.Max, TaskJson.WriteEnum, TaskJson.ReadEnum<Huge>, "18446744073709551615");
    }

    // ---- nullable ----

    [Fact]
    public void NullableRoundTripsValueAndNull()
    {
        Assert.Equal("null", Write<int?>(null, NullableWriter<int>(TaskJson.WriteInt32)));
        Assert.Equal("5", Write<int?>(5, NullableWriter<int>(TaskJson.WriteInt32)));
        Assert.Null(Read("null", NullableReader<int>(TaskJson.ReadInt32)));
        Assert.Equal(5, Read("5", NullableReader<int>(TaskJson.ReadInt32)));

        var when = new DateTimeOffset(s_utc);
        Assert.Equal(when, Read(Write<DateTimeOffset?>(when, NullableWriter<DateTimeOffset>(TaskJson.WriteDateTimeOffset)), NullableReader<DateTimeOffset>(TaskJson.ReadDateTimeOffset)));
    }

    // ---- collections ----

    [Fact]
    public void ArrayRoundTrips()
    {
        int[] values = [1, -2, 3];
        string json = Write(values, static (w, v) => TaskJson.WriteArray(w, v, TaskJson.WriteInt32));
        Assert.Equal("[1,-2,3]", json);
        Assert.Equal(values, Read(json, static (ref Utf8JsonReader r) => TaskJson.ReadArray(ref r, TaskJson.ReadInt32)));
        Assert.Empty(Read("[]", static (ref Utf8JsonReader r) => TaskJson.ReadArray(ref r, TaskJson.ReadInt32)));
        Assert.Null(Read("null", static (ref Utf8JsonReader r) => TaskJson.ReadArray(ref r, TaskJson.ReadInt32)));
        Assert.Equal("null", Write<int[]?>(null, static (w, v) => TaskJson.WriteArray(w, v, TaskJson.WriteInt32)));
    }

    [Fact]
    public void ListRoundTrips()
    {
        List<string> values = ["a", "b"];
        string json = Write(values, ListWriter<string>(TaskJson.WriteString));
        Assert.Equal("[\"a\",\"b\"]", json);
        Assert.Equal(values, Read(json, ListReader<string>(TaskJson.ReadString)));
        Assert.Null(Read("null", ListReader<string>(TaskJson.ReadString)));
    }

    [Fact]
    public void ListFromAnObjectIsRefused()
    {
        JsonException error = Assert.Throws<JsonException>(() => Read("{}", ListReader<int>(TaskJson.ReadInt32)));
        Assert.Equal("Expected an array, got an object.", error.Message);
    }

    [Fact]
    public void SequenceIsWrittenAsAnArray()
    {
        Assert.Equal("[1,2,3]", Write(Enumerable.Range(1, 3), static (w, v) => TaskJson.WriteSequence(w, v, TaskJson.WriteInt32)));
        Assert.Equal("null", Write<IEnumerable<int>?>(null, static (w, v) => TaskJson.WriteSequence(w, v, TaskJson.WriteInt32)));
    }

    [Fact]
    public void DictionaryRoundTrips()
    {
        var values = new Dictionary<string, long> { ["a"] = 1, ["b"] = long.MaxValue };
        string json = Write(values, DictionaryWriter<long>(TaskJson.WriteInt64));
        Assert.Equal("{\"a\":1,\"b\":9223372036854775807}", json);
        Assert.Equal(values, Read(json, DictionaryReader<long>(TaskJson.ReadInt64)));
        Assert.Null(Read("null", DictionaryReader<long>(TaskJson.ReadInt64)));
    }

    [Fact]
    public void NestedListOfDictionariesRoundTrips()
    {
        List<Dictionary<string, List<double>>> values =
        [
            new() { ["x"] = [1.5, 2], ["y"] = [] },
            new(),
            new() { ["z"] = [-3] },
        ];
        JsonValueWriter<Dictionary<string, List<double>>> writeItem = DictionaryWriter(ListWriter<double>(TaskJson.WriteDouble));
        JsonValueReader<Dictionary<string, List<double>>> readItem = DictionaryReader(ListReader<double>(TaskJson.ReadDouble));

        string json = Write(values, ListWriter(writeItem));
        Assert.Equal("[{\"x\":[1.5,2],\"y\":[]},{},{\"z\":[-3]}]", json);

        List<Dictionary<string, List<double>>> read = Read(json, ListReader(readItem));
        Assert.Equal(values.Count, read.Count);
        for (int i = 0; i < values.Count; i++)
        {
            Assert.Equal(values[i].Keys, read[i].Keys);
            foreach ((string key, List<double> list) in values[i])
            {
                Assert.Equal(list, read[i][key]);
            }
        }
    }

    [Fact]
    public void TaggedValuesInsideAListLeaveTheReaderInPlace()
    {
        const string json = "[{\"__type__\":\"uuid\",\"__value__\":{\"hex\":\"6f1c8a3e2b4d4e5f9a0b1c2d3e4f5a6b\"},\"extra\":[1,{\"a\":2}]},\"6f1c8a3e-2b4d-4e5f-9a0b-1c2d3e4f5a6b\"]";
        Assert.Equal(new[] { s_guid, s_guid }, Read(json, ListReader<Guid>(TaskJson.ReadGuid)));
    }

    // ---- helpers ----

    private static string Invariant(IFormattable value) => value.ToString(null, System.Globalization.CultureInfo.InvariantCulture);

    private static void AssertRoundTrip<T>(T value, JsonValueWriter<T> write, JsonValueReader<T> read, string expectedJson)
    {
        string json = Write(value, write);
        Assert.Equal(expectedJson, json);
        Assert.Equal(value, Read(json, read));
    }

    private static string Write<T>(T value, JsonValueWriter<T> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer, value);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The text of a JSON string, unescaped (the default encoder writes '+' as \u002B, which Python reads back as '+').</summary>
    private static string StringValue(string json) => Read(json, static (ref Utf8JsonReader r) => r.TokenType == JsonTokenType.String ? r.GetString()! : throw new JsonException("Not a string."));

    private static T Read<T>(string json, JsonValueReader<T> read) => Read(Encoding.UTF8.GetBytes(json), read);

    /// <summary>Reads one value and checks the reader was left on the value's last token.</summary>
    private static T Read<T>(byte[] json, JsonValueReader<T> read)
    {
        var reader = new Utf8JsonReader(json);
        Assert.True(reader.Read());
        T value = read(ref reader);
        Assert.False(reader.Read(), "The reader was not left on the value's last token.");
        return value;
    }

    private static JsonValueWriter<T?> NullableWriter<T>(JsonValueWriter<T> write)
        where T : struct => (w, v) => TaskJson.WriteNullable(w, v, write);

    private static JsonValueReader<T?> NullableReader<T>(JsonValueReader<T> read)
        where T : struct => (ref Utf8JsonReader r) => TaskJson.ReadNullable(ref r, read);

    private static JsonValueWriter<List<T>> ListWriter<T>(JsonValueWriter<T> write) => (w, v) => TaskJson.WriteList(w, v, write);

    private static JsonValueReader<List<T>> ListReader<T>(JsonValueReader<T> read) => (ref Utf8JsonReader r) => TaskJson.ReadList(ref r, read);

    private static JsonValueWriter<Dictionary<string, T>> DictionaryWriter<T>(JsonValueWriter<T> write) => (w, v) => TaskJson.WriteDictionary(w, v, write);

    private static JsonValueReader<Dictionary<string, T>> DictionaryReader<T>(JsonValueReader<T> read) => (ref Utf8JsonReader r) => TaskJson.ReadDictionary(ref r, read);
}
