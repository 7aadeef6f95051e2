using System;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace TaskGen.Cli;

/// <summary>
/// Writes log lines in Celery's own format (<c>[2026-01-01 12:00:00,000: INFO/MainProcess] message</c>),
/// so that operators reading worker logs see what they are used to.
/// </summary>
internal sealed class CeleryConsoleLoggerProvider : ILoggerProvider
{
    private readonly LogLevel _minimum;
    private readonly object _gate = new();

    /// <summary>Creates the provider.</summary>
    /// <param name="minimum">The lowest level written.</param>
    public CeleryConsoleLoggerProvider(LogLevel minimum) => _minimum = minimum;

    /// <summary>Parses Celery's <c>--loglevel</c> names (debug, info, warning, error, critical).</summary>
    /// <param name="name">The level name.</param>
    /// <exception cref="ArgumentException">The name is not a level.</exception>
    public static LogLevel ParseLevel(string name) => name.ToUpperInvariant() switch
    {
        "DEBUG" => LogLevel.Debug,
        "INFO" => LogLevel.Information,
        "WARNING" or "WARN" => LogLevel.Warning,
        "ERROR" => LogLevel.Error,
        "CRITICAL" or "FATAL" => LogLevel.Critical,
        _ => throw new ArgumentException($"'{name}' is not a log level: use debug, info, warning, error or critical.", nameof(name)),
    };

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class Logger(CeleryConsoleLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner._minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            string level = logLevel switch
            {
                LogLevel.Trace or LogLevel.Debug => "DEBUG",
                LogLevel.Information => "INFO",
                LogLevel.Warning => "WARNING",
                LogLevel.Error => "ERROR",
                _ => "CRITICAL",
            };
            string time = DateTime.Now.ToString("yyyy-MM-dd HH:mm:ss,fff", CultureInfo.InvariantCulture);
            string line = $"[{time}: {level}/MainProcess] {formatter(state, exception)}";
            if (exception is not null)
            {
                line += Environment.NewLine + exception;
            }

            lock (owner._gate)
            {
                Console.Error.WriteLine(line);
            }
        }
    }
}
