using System;
using System.Collections.Generic;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using TaskGen.Protocol;
using TaskGen.Transport;
using TaskGen.Transport.RabbitMq;

namespace TaskGen.Tests.Transport;

/// <summary>
/// Which message closed a publishing channel: the one at fault is reported at once, the others sent again, so an
/// oversized result retried cannot close the channel under the same innocent result again and again.
/// </summary>
public sealed class RabbitMqPublisherTests
{
    private static TransportMessage Message(string exchange, int size) =>
        new(exchange, "reply", new MessageProperties(), new Dictionary<string, object?>(), new byte[size]);

    private static OperationInterruptedException Closed(ushort code, string text) =>
        new(new ShutdownEventArgs(ShutdownInitiator.Peer, code, text));

    [Fact]
    public void TheOversizedMessageIsAtFaultAndAnotherIsNot()
    {
        OperationInterruptedException closed = Closed(406, "PRECONDITION_FAILED - message size 2000076 is larger than configured max size 1000000");

        Assert.True(RabbitMqPublisher.IsAtFault(closed, Message(string.Empty, 2_000_076)));
        Assert.False(RabbitMqPublisher.IsAtFault(closed, Message(string.Empty, 120)));
    }

    [Fact]
    public void AMessageToTheMissingExchangeIsAtFaultAndOneToTheDefaultExchangeIsNot()
    {
        OperationInterruptedException closed = Closed(404, "NOT_FOUND - no exchange 'celeryev' in vhost '/'");

        Assert.True(RabbitMqPublisher.IsAtFault(closed, Message("celeryev", 10)));
        Assert.False(RabbitMqPublisher.IsAtFault(closed, Message(string.Empty, 10)));
        Assert.False(RabbitMqPublisher.IsAtFault(closed, Message("celery", 10)));
    }
}
