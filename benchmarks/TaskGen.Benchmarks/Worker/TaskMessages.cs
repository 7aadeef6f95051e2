using System;
using System.Collections.Generic;
using System.Text;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Benchmarks.Worker;

/// <summary>Task messages as a worker receives them, built once per benchmark run.</summary>
internal static class TaskMessages
{
    /// <summary>The node name a worker reports, as <c>celery@host</c>.</summary>
    public const string NodeName = "celery@bench";

    /// <summary>The producer's node name, sent as <c>origin</c>.</summary>
    public const string Origin = "gen4242@bench";

    /// <summary>
    /// Builds the envelope <see cref="TaskApp"/> builds for a signature sent with default options to the
    /// default queue, with a result wanted through <c>rpc://</c>.
    /// </summary>
    /// <param name="signature">The call.</param>
    /// <param name="id">The task id (a UUID string).</param>
    /// <param name="replyTo">The client's reply queue.</param>
    public static TaskEnvelope Envelope(Signature signature, string id, string replyTo) => new()
    {
        Id = id,
        Name = signature.Task.Name,
        Arguments = signature.Arguments,
        Exchange = string.Empty,
        RoutingKey = string.IsNullOrEmpty(signature.Task.Queue) ? "celery" : signature.Task.Queue,
        ReplyTo = replyTo,
        Priority = 0,
        IgnoreResult = false,
        Origin = Origin,
    };

    /// <summary>
    /// Encodes <paramref name="envelope"/> and reshapes its headers the way RabbitMQ.Client 7 delivers
    /// them: strings arrive as UTF-8 byte arrays (AMQP long strings), lists as <c>List&lt;object&gt;</c>.
    /// The body is copied, as the RabbitMQ transport copies it out of the consumer callback.
    /// </summary>
    /// <param name="envelope">The task.</param>
    public static TransportMessage AsDelivered(TaskEnvelope envelope)
    {
        TransportMessage sent = TaskMessageCodec.Encode(envelope);
        var headers = new Dictionary<string, object?>(sent.Headers.Count, StringComparer.Ordinal);
        foreach (KeyValuePair<string, object?> header in sent.Headers)
        {
            headers[header.Key] = AsAmqpValue(header.Value);
        }

        return new TransportMessage(sent.Exchange, sent.RoutingKey, sent.Properties, headers, sent.Body.ToArray());
    }

    private static object? AsAmqpValue(object? value) => value switch
    {
        string s => Encoding.UTF8.GetBytes(s),
        IList<object?> list => list.ConvertAll(AsAmqpValue),
        _ => value,
    };

    private static List<object?> ConvertAll(this IList<object?> list, Func<object?, object?> convert)
    {
        var converted = new List<object?>(list.Count);
        foreach (object? item in list)
        {
            converted.Add(convert(item));
        }

        return converted;
    }
}
