namespace TaskGen.Protocol;

/// <summary>The AMQP basic properties a task or result message carries.</summary>
internal sealed class MessageProperties
{
    /// <summary>The task id, by which results are matched to calls.</summary>
    public string? CorrelationId { get; set; }

    /// <summary>The queue results are to be sent to, or null when none are wanted.</summary>
    public string? ReplyTo { get; set; }

    /// <summary>The body's media type; TaskGen accepts only <c>application/json</c>.</summary>
    public string? ContentType { get; set; }

    /// <summary>The body's character encoding, <c>utf-8</c>.</summary>
    public string? ContentEncoding { get; set; }

    /// <summary>2 for persistent messages, 1 for transient ones.</summary>
    public byte DeliveryMode { get; set; } = 2;

    /// <summary>The message priority.</summary>
    public byte Priority { get; set; }

    /// <summary>The per-message time-to-live in milliseconds, as a decimal string.</summary>
    public string? Expiration { get; set; }
}
