using System.Text.RegularExpressions;

namespace TaskGen.Transport;

/// <summary>
/// The one line a worker or producer reports when RabbitMQ refuses a declaration with 406 PRECONDITION_FAILED because
/// the queue or exchange exists with other arguments: which entity, which argument, both values, and what to do.
/// </summary>
internal static partial class DeclarationConflict
{
    /// <summary>
    /// The message for a refusal whose <paramref name="replyText"/> is RabbitMQ's <c>inequivalent arg</c>, or null for
    /// any other reply (the broker's text then stands as it is).
    /// </summary>
    /// <param name="broker">The broker's description, without its password.</param>
    /// <param name="replyText">The broker's reply text, such as <c>PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for queue 'q' in vhost '/': received ... but current is ...</c>.</param>
    public static string? Describe(string broker, string replyText)
    {
        Match match = Inequivalent().Match(replyText);
        if (!match.Success)
        {
            return null;
        }

        string argument = match.Groups["argument"].Value;
        string kind = match.Groups["kind"].Value;
        string name = match.Groups["name"].Value;
        string vhost = match.Groups["vhost"].Value;

        // kombu's delay levels and delivery exchange are shared by every Celery 5.5+ and TaskGen worker on the vhost,
        // so a clash there is a version or setting that differs between them, not this app's own queue.
        string shared = name.StartsWith("celery_delayed_", System.StringComparison.Ordinal)
            ? " It is part of kombu's native delayed delivery, which TaskGen declares as kombu 5.6 does for quorum queues (Celery's broker_native_delayed_delivery_queue_type = 'quorum')."
            : string.Empty;
        string delete = kind == "queue"
            ? $"delete the queue (rabbitmqctl delete_queue -p '{vhost}' '{name}'; the messages waiting in it are lost)"
            : "delete the exchange (in the management UI or with rabbitmqadmin)";
        return $"RabbitMQ at {broker} refused to declare {kind} '{name}' in vhost '{vhost}': it exists with {argument} {match.Groups["current"].Value}, "
            + $"where this declaration has {match.Groups["received"].Value}. Another Celery or TaskGen version, or other settings, declared it first.{shared} "
            + $"Give every app on this broker the same versions and queue settings, or {delete} so that it is declared anew.";
    }

    [GeneratedRegex(@"inequivalent arg '(?<argument>[^']*)' for (?<kind>queue|exchange) '(?<name>.*?)' in vhost '(?<vhost>.*?)': received (?<received>.*) but current is (?<current>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex Inequivalent();
}
