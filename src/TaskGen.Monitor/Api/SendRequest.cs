using System;
using System.Globalization;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using TaskGen.Serialization;

namespace TaskGen.Monitor.Api;

/// <summary>
/// The body of Flower's apply calls, <c>{"args": [...], "kwargs": {...}, ...options}</c>, with the options Celery's
/// <c>apply_async</c> takes that TaskGen has: <c>countdown</c>, <c>eta</c>, <c>expires</c>, <c>queue</c>,
/// <c>routing_key</c>, <c>exchange</c>, <c>priority</c>, <c>task_id</c>, <c>time_limit</c>, <c>soft_time_limit</c>.
/// </summary>
internal sealed class SendRequest
{
    /// <summary>The body's largest size: arguments for a call, not a data upload.</summary>
    private const int MaxBodyBytes = 1 << 20;

    private SendRequest(RawJsonArguments arguments, TaskOptions options)
    {
        Arguments = arguments;
        Options = options;
    }

    /// <summary>The call's arguments.</summary>
    public RawJsonArguments Arguments { get; }

    /// <summary>The call's options.</summary>
    public TaskOptions Options { get; }

    /// <summary>Reads the body; null when it is not what Flower accepts (Flower answers 400).</summary>
    public static async Task<SendRequest?> ReadAsync(HttpContext context)
    {
        byte[] body;
        using (var buffer = new System.IO.MemoryStream())
        {
            byte[] chunk = new byte[8192];
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxBodyBytes)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }

            body = buffer.ToArray();
        }

        if (body.Length == 0)
        {
            return new SendRequest(new RawJsonArguments(null), new TaskOptions());
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(body);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            string? args = null, kwargs = null;
            var options = new TaskOptions();
            foreach (JsonProperty property in root.EnumerateObject())
            {
                JsonElement value = property.Value;
                switch (property.Name)
                {
                    case "args":
                        if (value.ValueKind != JsonValueKind.Array)
                        {
                            return null;
                        }

                        args = value.GetRawText();
                        break;
                    case "kwargs":
                        if (value.ValueKind != JsonValueKind.Object)
                        {
                            return null;
                        }

                        kwargs = value.GetRawText();
                        break;
                    case "countdown":
                        options.Countdown = TimeSpan.FromSeconds(Seconds(value));
                        break;
                    case "eta":
                        options.Eta = Time(value);
                        break;
                    case "expires":
                        if (value.ValueKind == JsonValueKind.Number || (value.ValueKind == JsonValueKind.String && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
                        {
                            options.ExpiresIn = TimeSpan.FromSeconds(Seconds(value));
                        }
                        else
                        {
                            options.Expires = Time(value);
                        }

                        break;
                    case "queue":
                        options.Queue = value.GetString();
                        break;
                    case "routing_key":
                        options.RoutingKey = value.GetString();
                        break;
                    case "exchange":
                        options.Exchange = value.GetString();
                        break;
                    case "priority":
                        options.Priority = checked((byte)value.GetInt32());
                        break;
                    case "task_id":
                        options.TaskId = value.GetString();
                        break;
                    case "time_limit":
                        options.TimeLimit = TimeSpan.FromSeconds(Seconds(value));
                        break;
                    case "soft_time_limit":
                        options.SoftTimeLimit = TimeSpan.FromSeconds(Seconds(value));
                        break;
                    default:
                        // Celery passes options it does not know on as message properties; none of them changes where the task goes.
                        break;
                }
            }

            return new SendRequest(new RawJsonArguments(args, kwargs), options);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or OverflowException or ArgumentException)
        {
            return null;
        }
    }

    private static double Seconds(JsonElement value)
    {
        double seconds = value.ValueKind == JsonValueKind.String
            ? double.Parse(value.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture)
            : value.GetDouble();
        return double.IsFinite(seconds) && seconds >= 0 && seconds < 10 * 365 * 86_400 ? seconds : throw new FormatException("Out of range.");
    }

    /// <summary>Flower's <c>%Y-%m-%d %H:%M:%S.%f</c>, which Celery reads as UTC (its default <c>enable_utc</c>); ISO 8601 too.</summary>
    private static DateTimeOffset Time(JsonElement value)
    {
        string text = value.GetString() ?? throw new FormatException("A time is text.");
        if (DateTime.TryParseExact(text, ["yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTime utc))
        {
            return new DateTimeOffset(utc, TimeSpan.Zero);
        }

        return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
    }
}
