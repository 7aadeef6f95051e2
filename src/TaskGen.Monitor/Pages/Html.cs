using System;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace TaskGen.Monitor.Pages;

/// <summary>
/// Builds a page's HTML. Text and attribute values always go through <see cref="HtmlEncoder"/>: event fields are
/// written by whoever can publish to <c>celeryev</c>, so nothing they hold may reach the page as markup.
/// </summary>
internal sealed class Html
{
    // Every script, not only Latin: names and arguments in any language stay readable in the page source. The
    // encoder still encodes markup characters, quotes, '+' and control characters whatever the ranges allow.
    private static readonly HtmlEncoder s_encoder = HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All);

    private readonly StringBuilder _text = new(4096);

    /// <summary>Appends trusted markup written in this assembly; never pass data here.</summary>
    public Html Raw(string markup)
    {
        _text.Append(markup);
        return this;
    }

    /// <summary>Appends text, encoded.</summary>
    public Html Text(string? text)
    {
        if (!string.IsNullOrEmpty(text))
        {
            _text.Append(s_encoder.Encode(text));
        }

        return this;
    }

    /// <summary>Appends a number in the invariant culture.</summary>
    public Html Number(double value, string format = "0.###") => Raw(value.ToString(format, CultureInfo.InvariantCulture));

    /// <summary>Appends <c>name="value"</c> (with a leading space), the value encoded; nothing when the value is null.</summary>
    public Html Attr(string name, string? value) => value is null ? this : Raw(" ").Raw(name).Raw("=\"").Text(value).Raw("\"");

    /// <summary>Appends an element holding encoded text, with an optional class.</summary>
    public Html Element(string tag, string? text, string? cssClass = null)
    {
        Raw("<").Raw(tag);
        if (cssClass is not null)
        {
            Attr("class", cssClass);
        }

        return Raw(">").Text(text).Raw("</").Raw(tag).Raw(">");
    }

    /// <summary>Appends a link whose address and text are both encoded.</summary>
    public Html Link(string href, string? text, string? cssClass = null)
    {
        Raw("<a").Attr("href", href);
        if (cssClass is not null)
        {
            Attr("class", cssClass);
        }

        return Raw(">").Text(text).Raw("</a>");
    }

    /// <summary>Appends a table cell holding encoded text.</summary>
    public Html Cell(string? text, string? cssClass = null) => Element("td", text, cssClass);

    /// <summary>Appends a task state as a coloured badge.</summary>
    public Html State(string state) => Raw("<span").Attr("class", "state " + StateClass(state)).Raw(">").Text(state).Raw("</span>");

    /// <summary>The CSS class of a state: the known ones have colours, any other (a custom state) is neutral.</summary>
    public static string StateClass(string state) => state switch
    {
        "SUCCESS" or "FAILURE" or "RETRY" or "STARTED" or "RECEIVED" or "PENDING" or "REVOKED" or "REJECTED" => "s-" + state.ToLowerInvariant(),
        _ => "s-other",
    };

    /// <summary>A time (seconds since the epoch) as UTC text to the millisecond, or an empty string.</summary>
    public static string Time(double? seconds) =>
        seconds is { } s && double.IsFinite(s) && s > 0 && s < 32_503_680_000
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(s * 1000)).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)
            : string.Empty;

    /// <summary>A duration in seconds as short text (<c>0.012 s</c>, <c>3 min</c>), or an empty string.</summary>
    public static string Duration(double? seconds) => seconds switch
    {
        null => string.Empty,
        double s when !double.IsFinite(s) => string.Empty,
        < 60 and var s => s.ToString(s < 10 ? "0.###" : "0.#", CultureInfo.InvariantCulture) + " s",
        < 3600 and var s => (s / 60).ToString("0.#", CultureInfo.InvariantCulture) + " min",
        var s => (s.Value / 3600).ToString("0.#", CultureInfo.InvariantCulture) + " h",
    };

    /// <summary>Text cut to <paramref name="length"/> characters with an ellipsis, for table cells.</summary>
    public static string? Short(string? text, int length = 80) => text is null || text.Length <= length ? text : text[..length] + "…";

    /// <inheritdoc />
    public override string ToString() => _text.ToString();
}
