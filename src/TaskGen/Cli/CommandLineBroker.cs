using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Configuration;
using RabbitMQ.Client.Exceptions;
using TaskGen.Hosting;
using TaskGen.Transport;

namespace TaskGen.Cli;

/// <summary>
/// Which broker a command talks to, and what a command says when it cannot reach it. The command line never falls
/// back to <c>memory://</c> by itself: every command talks to other processes (workers, a beat, another command),
/// which an in-process broker cannot reach, so with nothing configured it uses Celery's default broker instead.
/// </summary>
/// <remarks>
/// Precedence, highest first: <c>--broker</c>; <c>--TaskGen:BrokerUrl=</c> arguments; the <c>TaskGen__BrokerUrl</c>
/// environment variable; <c>CELERY_BROKER_URL</c>; <c>appsettings.{DOTNET_ENVIRONMENT}.json</c> and <c>appsettings.json</c>;
/// then <see cref="CeleryDefault"/>. A program's own <c>configure</c> code runs after all of them and may still set
/// <see cref="TaskAppOptions.BrokerUrl"/>. <c>memory://</c> stays available when named explicitly.
/// </remarks>
internal static class CommandLineBroker
{
    /// <summary>Celery's default broker (<c>broker_url</c> unset): RabbitMQ on this machine as guest.</summary>
    public const string CeleryDefault = "amqp://guest:guest@localhost:5672//";

    /// <summary>
    /// The broker URL a command must set on its options, given its <c>--broker</c> value and its configuration:
    /// the option when given, null when the configuration names a broker (binding it sets the URL), else Celery's default.
    /// </summary>
    /// <param name="option">The <c>--broker</c> value, or null.</param>
    /// <param name="configuration">The configuration from <see cref="TaskAppConfiguration.Load"/>, which holds <c>CELERY_BROKER_URL</c> too.</param>
    public static string? Resolve(string? option, IConfiguration configuration) =>
        option ?? (IsConfigured(configuration) ? null : CeleryDefault);

    /// <summary>Whether the configuration names a broker: a <c>TaskGen:BrokerUrl</c> that is not blank, or a list of them.</summary>
    /// <param name="configuration">The configuration.</param>
    public static bool IsConfigured(IConfiguration configuration)
    {
        IConfigurationSection section = configuration.GetSection(TaskAppOptions.SectionName + ":" + nameof(TaskAppOptions.BrokerUrl));
        return !string.IsNullOrWhiteSpace(section.Value) || section.GetChildren().Any(url => !string.IsNullOrWhiteSpace(url.Value));
    }

    /// <summary>
    /// The line a long-running command (<c>worker</c>, <c>beat</c>) prints before it connects when nothing configured a
    /// broker, as Celery's banner shows its transport: which broker, without its password, and that it is the default.
    /// A configured broker needs no such line: every line about the connection, and the ready line, name it.
    /// </summary>
    /// <param name="app">The command's app, built but not connected.</param>
    /// <param name="option">The <c>--broker</c> value, or null.</param>
    /// <param name="configuration">The command's configuration: a broker named there, even Celery's default URL, is configured.</param>
    /// <returns>The line, or null when a broker was configured.</returns>
    public static string? Banner(TaskApp app, string? option, IConfiguration configuration) =>
        option is null && !IsConfigured(configuration) && app.Options.BrokerUrl == CeleryDefault
            ? $"Using broker {app.Transport.Description} (Celery's default: none is set by --broker, TaskGen:BrokerUrl or {TaskAppConfiguration.CeleryBrokerVariable})."
            : null;

    /// <summary>Whether <paramref name="exception"/> says the broker could not be connected to at all (as opposed to refusing an operation).</summary>
    /// <param name="exception">What a command threw.</param>
    public static bool IsUnreachable(Exception exception) =>
        exception is BrokerException && Causes(exception).Any(static e => e is BrokerUnreachableException);

    /// <summary>
    /// The one line a command prints when it cannot reach the broker: where (without the password), why in a few
    /// words, and what to do: <c>Cannot reach the broker at amqp://guest:***@localhost:5672//: connection refused.
    /// Start RabbitMQ or pass --broker.</c>
    /// </summary>
    /// <param name="description">The broker, password already redacted (the transport's description).</param>
    /// <param name="exception">The failure, whose innermost cause gives the reason.</param>
    public static string Unreachable(string description, Exception exception)
    {
        (string reason, string fix) = Reason(exception);
        return $"Cannot reach the broker at {description}: {reason}. {fix}";
    }

    private static (string Reason, string Fix) Reason(Exception exception)
    {
        const string Start = "Start RabbitMQ or pass --broker.";
        foreach (Exception cause in Causes(exception))
        {
            switch (cause)
            {
                case AuthenticationFailureException:
                    return ("access refused", "Check the user name and password in the broker URL, or pass --broker.");
                case AuthenticationException tls:
                    return ("the TLS handshake failed (" + Sentence(tls.Message) + ")", "Check TaskGen:BrokerTlsCaCertificate and the host name, or pass --broker.");
                case SocketException socket:
                    return socket.SocketErrorCode switch
                    {
                        SocketError.ConnectionRefused => ("connection refused", Start),
                        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => ("host not found", "Check the host name, or pass --broker."),
                        SocketError.TimedOut => ("timed out", Start),
                        SocketError.HostUnreachable or SocketError.NetworkUnreachable => ("host unreachable", Start),
                        _ => (Sentence(socket.Message), Start),
                    };
                default:
                    break;
            }
        }

        Exception innermost = Causes(exception).Last();
        return (Sentence(innermost.Message), Start);
    }

    /// <summary>A message as the middle of a sentence: no trailing full stop, a lower-case first letter.</summary>
    private static string Sentence(string message)
    {
        string text = message.Trim().TrimEnd('.');
        return text.Length > 1 && char.IsUpper(text[0]) && !char.IsUpper(text[1]) ? char.ToLowerInvariant(text[0]) + text[1..] : text;
    }

    /// <summary>The exception and its causes, depth first, through aggregates.</summary>
    private static IEnumerable<Exception> Causes(Exception exception)
    {
        var pending = new Stack<Exception>();
        pending.Push(exception);
        while (pending.Count > 0)
        {
            Exception current = pending.Pop();
            yield return current;
            if (current is AggregateException aggregate)
            {
                for (int i = aggregate.InnerExceptions.Count - 1; i >= 0; i--)
                {
                    pending.Push(aggregate.InnerExceptions[i]);
                }
            }
            else if (current.InnerException is { } inner)
            {
                pending.Push(inner);
            }
        }
    }
}
