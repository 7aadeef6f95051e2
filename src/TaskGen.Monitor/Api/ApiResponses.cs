using System;
using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace TaskGen.Monitor.Api;

/// <summary>
/// Writing answers and reading arguments as Flower's handlers do: JSON written with <see cref="Utf8JsonWriter"/>
/// (no reflection), plain-text error lines, and tornado's <c>get_argument</c> (the last value, query or form).
/// </summary>
internal static class ApiResponses
{
    /// <summary>Flower's JSON content type.</summary>
    public const string JsonContentType = "application/json; charset=utf-8";

    /// <summary>
    /// Text as written, quotes and non-ASCII included (<c>"('boom',)"</c>, not <c>"(\u0027boom\u0027,)"</c>), as Flower
    /// writes it: the answers are JSON, sent with <c>nosniff</c>, so no browser reads them as a page.
    /// </summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes the JSON <paramref name="write"/> produces, with <paramref name="status"/>.</summary>
    public static async Task WriteJsonAsync(HttpContext context, Action<Utf8JsonWriter> write, int status = StatusCodes.Status200OK)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = JsonContentType;
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Writes Flower's <c>{"message": ...}</c> answer to an action.</summary>
    public static Task WriteMessageAsync(HttpContext context, string message) =>
        WriteJsonAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("message", message);
            writer.WriteEndObject();
        });

    /// <summary>Writes one line of text with <paramref name="status"/>, as Flower's worker and control handlers explain a refusal.</summary>
    public static async Task WriteTextAsync(HttpContext context, int status, string text)
    {
        byte[] body = Encoding.UTF8.GetBytes(text);
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Answers <paramref name="status"/> with no body, as Flower's task handlers answer every error.</summary>
    public static Task WriteEmptyAsync(HttpContext context, int status)
    {
        context.Response.StatusCode = status;
        context.Response.ContentLength = 0;
        return Task.CompletedTask;
    }

    /// <summary>
    /// An argument as tornado's <c>get_argument</c> reads it: the last value in the query string or, for a form post,
    /// in the form; null when absent.
    /// </summary>
    public static async Task<string?> ArgumentAsync(HttpContext context, string name)
    {
        StringValues values = context.Request.Query[name];
        if (values.Count == 0 && context.Request.HasFormContentType)
        {
            IFormCollection form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
            values = form[name];
        }

        return values.Count > 0 ? values[values.Count - 1] : null;
    }

    /// <summary>A query argument (the last value), or null.</summary>
    public static string? Query(HttpContext context, string name)
    {
        StringValues values = context.Request.Query[name];
        return values.Count > 0 ? values[values.Count - 1] : null;
    }

    /// <summary>Flower's <c>strtobool</c>: <c>y yes t true on 1</c> and <c>n no f false off 0</c>, case ignored; anything else is null.</summary>
    public static bool? ParseBool(string value) => value.ToLowerInvariant() switch
    {
        "y" or "yes" or "t" or "true" or "on" or "1" => true,
        "n" or "no" or "f" or "false" or "off" or "0" => false,
        _ => null,
    };

    /// <summary>A route value as text, or empty.</summary>
    public static string Route(HttpContext context, string name) =>
        context.Request.RouteValues.TryGetValue(name, out object? value) && value is string text ? text : string.Empty;
}
