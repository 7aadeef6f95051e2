using System;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace TaskGen.Integration.Tests;

/// <summary>An in-process worker's log lines, kept so that a test that fails can say what the worker saw.</summary>
public sealed class CapturedLogs : ILoggerFactory, ILogger
{
    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>Every line so far, one per entry.</summary>
    public string Text => string.Join(Environment.NewLine, _lines);

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => this;

    /// <inheritdoc />
    public void AddProvider(ILoggerProvider provider)
    {
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    /// <inheritdoc />
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    /// <inheritdoc />
    public bool IsEnabled(LogLevel logLevel) => true;

    /// <inheritdoc />
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _lines.Enqueue($"{logLevel}: {formatter(state, exception)} {exception}");
}
