using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Transport;

namespace TaskGen.Worker;

/// <summary>
/// A starting worker's wait for the broker (Celery's <c>broker_connection_retry_on_startup</c>): it tries to connect,
/// and while the broker cannot be reached it logs why and tries again after a wait that doubles from
/// <see cref="TaskAppOptions.BrokerConnectionRetryDelay"/> up to <see cref="TaskAppOptions.BrokerConnectionRetryMaxDelay"/>,
/// at most <see cref="TaskAppOptions.BrokerConnectionMaxRetries"/> times; then it gives up with one message that says what to do.
/// </summary>
internal static partial class BrokerStartup
{
    /// <summary>The wait before retry number <paramref name="retry"/> (1 for the first): the first delay doubled each time, capped.</summary>
    public static TimeSpan Delay(int retry, TimeSpan first, TimeSpan max)
    {
        // Doubling in floating point and capping before converting, so a thousandth retry neither overflows nor wraps.
        double ticks = first.Ticks * Math.Pow(2, Math.Clamp(retry - 1, 0, 62));
        return ticks >= max.Ticks ? max : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>Connects <paramref name="transport"/>, retrying as <paramref name="options"/> say while the broker cannot be reached.</summary>
    /// <param name="transport">The app's transport.</param>
    /// <param name="options">The retry settings.</param>
    /// <param name="time">The clock the waits run on.</param>
    /// <param name="logger">Where each failed attempt is logged, one line each.</param>
    /// <param name="cancellationToken">Stops waiting at once (Ctrl+C, the host stopping).</param>
    /// <exception cref="BrokerException">The broker could not be reached and no retry is left; the message says what to do.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task ConnectAsync(ITransport transport, TaskAppOptions options, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        int max = options.BrokerConnectionMaxRetries;
        for (int retry = 1; ; retry++)
        {
            try
            {
                await transport.CheckConnectionAsync(cancellationToken).ConfigureAwait(false);
                if (retry > 1)
                {
                    LogConnected(logger, transport.Description, retry - 1);
                }

                return;
            }
            catch (BrokerException ex) when (cancellationToken.IsCancellationRequested)
            {
                // Stopped in the middle of an attempt: the client reports the cut-short connect as unreachable, but it is a stop.
                throw new OperationCanceledException("Stopped while connecting to the broker.", ex, cancellationToken);
            }
            catch (BrokerException ex)
            {
                string reason = ex.Message.TrimEnd('.');
                if (!options.BrokerConnectionRetryOnStartup || (max > 0 && retry > max))
                {
                    throw Unreachable(ex, options.BrokerConnectionRetryOnStartup ? max : 0);
                }

                TimeSpan wait = Delay(retry, options.BrokerConnectionRetryDelay, options.BrokerConnectionRetryMaxDelay);

                // The wait is started before the line is logged, so that whoever reads the line knows the wait is running.
                Task waiting = Task.Delay(wait, time, cancellationToken);
                LogRetrying(
                    logger,
                    reason,
                    wait.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture),
                    retry,
                    max > 0 ? max.ToString(CultureInfo.InvariantCulture) : "∞");
                await waiting.ConfigureAwait(false);
            }
        }
    }

    /// <summary>The one line for a broker that could not be reached: why, after how many retries, and what to do.</summary>
    /// <param name="exception">The last attempt's failure.</param>
    /// <param name="retries">How many retries were made before giving up; 0 for none.</param>
    public static BrokerException Unreachable(BrokerException exception, int retries)
    {
        string reason = exception.Message.TrimEnd('.');
        return retries == 0
            ? new BrokerException($"{reason}: start the broker, or set TaskGen:BrokerUrl to one that runs.", exception)
            : new BrokerException(
                $"{reason}; gave up after {retries} {(retries == 1 ? "retry" : "retries")}: start the broker, or set TaskGen:BrokerUrl to one that runs (TaskGen:BrokerConnectionMaxRetries sets how long to wait).",
                exception);
    }

    // Celery's words, so that an operator who knows its log recognises the line.
    [LoggerMessage(Level = LogLevel.Warning, Message = "{Reason}. Trying again in {Seconds} seconds... ({Retry}/{MaxRetries})")]
    private static partial void LogRetrying(ILogger logger, string reason, string seconds, int retry, string maxRetries);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to {Broker} after {Retries} retries.")]
    private static partial void LogConnected(ILogger logger, string broker, int retries);
}
