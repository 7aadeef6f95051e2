using TaskGen.Transport;

namespace TaskGen.Tests.Transport;

/// <summary>A 406 over a queue or exchange declared elsewhere with other arguments reads as one line that names it and the fix.</summary>
public sealed class DeclarationConflictTests
{
    private const string Broker = "amqp://guest:***@127.0.0.1:5672/";

    [Fact]
    public void ADelayLevelDeclaredWithAnotherTtlIsNamedWithBothValuesAndWhatToDo()
    {
        string? message = DeclarationConflict.Describe(
            Broker,
            "PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for queue 'celery_delayed_27' in vhost '/': received '2147483647' but current is '134217728000'");

        Assert.Equal(
            "RabbitMQ at amqp://guest:***@127.0.0.1:5672/ refused to declare queue 'celery_delayed_27' in vhost '/': it exists with x-message-ttl '134217728000', "
            + "where this declaration has '2147483647'. Another Celery or TaskGen version, or other settings, declared it first. "
            + "It is part of kombu's native delayed delivery, which TaskGen declares as kombu 5.6 does for quorum queues (Celery's broker_native_delayed_delivery_queue_type = 'quorum'). "
            + "Give every app on this broker the same versions and queue settings, or delete the queue (rabbitmqctl delete_queue -p '/' 'celery_delayed_27'; the messages waiting in it are lost) so that it is declared anew.",
            message);
    }

    [Fact]
    public void AnExchangeOfAnotherTypeIsNamedWithoutTheDelayedDeliveryNote()
    {
        string? message = DeclarationConflict.Describe(
            Broker, "PRECONDITION_FAILED - inequivalent arg 'type' for exchange 'calc' in vhost 'shop': received 'direct' but current is 'topic'");

        Assert.NotNull(message);
        Assert.StartsWith("RabbitMQ at amqp://guest:***@127.0.0.1:5672/ refused to declare exchange 'calc' in vhost 'shop': it exists with type 'topic', where this declaration has 'direct'.", message);
        Assert.DoesNotContain("delayed", message);
        Assert.Contains("delete the exchange", message);
    }

    [Fact]
    public void AnyOtherRefusalKeepsTheBrokersOwnText()
    {
        Assert.Null(DeclarationConflict.Describe(Broker, "PRECONDITION_FAILED - invalid arg 'x-max-length' for queue 'q' in vhost '/': {value_negative,-1}"));
    }
}
