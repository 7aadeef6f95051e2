using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Logging;

namespace TaskGen.Tests.EndToEnd;

/// <summary>A logger factory that keeps every line written through it, for tests that assert what was logged.</summary>
internal sealed class CapturedLog : ILoggerFactory, ILoggerProvider
{
    private readonly ConcurrentQueue<(string Category, LogLevel Level, string Message)> _entries = new();
    private readonly ConcurrentQueue<LogRecord> _records = new();

    /// <summary>Every line with its event name, structured fields and exception, for tests of what a line carries.</summary>
    public IReadOnlyList<LogRecord> Records => _records.ToArray();

    public IReadOnlyList<(string Category, LogLevel Level, string Message)> Entries => _entries.ToArray();

    /// <summary>The messages at <paramref name="level"/> or above from <paramref name="category"/>.</summary>
    public IReadOnlyList<string> Messages(string category, LogLevel level = LogLevel.Warning) =>
        Entries.Where(e => e.Category == category && e.Level >= level).Select(e => e.Message).ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLog owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string message = formatter(state, exception);
            owner._entries.Enqueue((category, logLevel, message));
            var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (KeyValuePair<string, object?> pair in pairs)
                {
                    fields[pair.Key] = pair.Value;
                }
            }

            owner._records.Enqueue(new LogRecord(category, logLevel, eventId.Name, message, fields, exception));
        }
    }
}

/// <summary>One captured line: its level, event name, text, structured fields (the template under <c>{OriginalFormat}</c>) and exception.</summary>
internal sealed record LogRecord(string Category, LogLevel Level, string? EventName, string Message, IReadOnlyDictionary<string, object?> Fields, Exception? Exception);
