using System;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TaskGen.Results;

namespace TaskGen.Monitor.State;

/// <summary>
/// At start, reads the finished tasks the app's result backend keeps (Redis) into the store, newest first and at most
/// <see cref="MonitorOptions.MaxTasks"/>, so a monitor that restarts still shows what finished before it: Flower's
/// request since 2016. Tasks events have described already are left as the events tell them.
/// </summary>
internal sealed partial class BackendHistory(TaskApp app, MonitorStore store, ILogger<BackendHistory> logger) : IHostedService
{
    private Task _loading = Task.CompletedTask;
    private CancellationTokenSource? _stopping;

    /// <summary>The load started by <see cref="StartAsync"/>; completes with how many tasks it added.</summary>
    public Task Loading => _loading;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!store.Options.LoadHistory || app.ResultHistory is not { } history)
        {
            return Task.CompletedTask;
        }

        // In the background: a large keyspace takes a while to walk, and the pages serve live events meanwhile.
        _stopping = new CancellationTokenSource();
        CancellationToken stopping = _stopping.Token;
        _loading = Task.Run(() => LoadLoggedAsync(history, stopping), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping is null)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task LoadLoggedAsync(IResultHistory history, CancellationToken cancellationToken)
    {
        try
        {
            int added = await LoadAsync(history, cancellationToken).ConfigureAwait(false);
            LogLoaded(logger, added);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // History is a convenience: a backend that cannot be read leaves the monitor running on events alone.
            LogLoadFailed(logger, ex.GetType().Name, ex.Message);
        }
    }

    /// <summary>
    /// Reads up to <see cref="MonitorOptions.MaxTasks"/> finished tasks from <paramref name="history"/> into the store,
    /// their fields cut to <see cref="MonitorOptions.MaxFieldLength"/> as events' are; returns how many it added.
    /// </summary>
    public async Task<int> LoadAsync(IResultHistory history, CancellationToken cancellationToken)
    {
        int added = 0;
        await foreach (StoredResult stored in history.ReadRecentAsync(Math.Max(1, store.Options.MaxTasks), Math.Max(1, store.Options.MaxFieldLength), cancellationToken).ConfigureAwait(false))
        {
            if (!CeleryStates.IsReady(stored.State))
            {
                continue;
            }

            if (store.AddFromBackend(ToRecord(stored)))
            {
                added++;
            }
        }

        return added;
    }

    /// <summary>A stored result as the record events would have made of the task's last state.</summary>
    internal static TaskRecord ToRecord(StoredResult stored)
    {
        double? done = stored.DateDone?.ToUnixTimeMilliseconds() / 1000.0;
        var task = new TaskRecord(stored.TaskId)
        {
            State = stored.State,
            Name = stored.Name,
            Args = stored.Args,
            Kwargs = stored.Kwargs,
            Worker = stored.Worker,
            Retries = stored.Retries,
            Queue = stored.Queue,
            Traceback = stored.Traceback,
            Timestamp = done,
        };
        switch (stored.State)
        {
            case CeleryStates.Success:
                task.Result = stored.Result;
                task.Succeeded = done;
                break;
            case CeleryStates.Failure:
                task.Exception = ExceptionText(stored.Result);
                task.Failed = done;
                break;
            case CeleryStates.Revoked:
                task.Exception = ExceptionText(stored.Result);
                task.Revoked = done;
                break;
            default:
                task.Rejected = done;
                break;
        }

        return task;
    }

    /// <summary>
    /// A failure's <c>{"exc_type", "exc_message", "exc_module"}</c> as the repr Celery's events carry, <c>ValueError('boom')</c>;
    /// anything else as it was stored.
    /// </summary>
    internal static string? ExceptionText(string? resultJson)
    {
        if (resultJson is null)
        {
            return null;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(resultJson);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("exc_type", out JsonElement type) || type.ValueKind != JsonValueKind.String)
            {
                return resultJson;
            }

            string message = root.TryGetProperty("exc_message", out JsonElement text) ? text.ValueKind switch
            {
                JsonValueKind.Array => string.Join(", ", Repr(text)),
                JsonValueKind.String => Quote(text.GetString()!),
                _ => text.GetRawText(),
            } : string.Empty;
            return $"{type.GetString()}({message})";
        }
        catch (JsonException)
        {
            return resultJson;
        }
    }

    private static System.Collections.Generic.IEnumerable<string> Repr(JsonElement items)
    {
        foreach (JsonElement item in items.EnumerateArray())
        {
            yield return item.ValueKind == JsonValueKind.String ? Quote(item.GetString()!) : item.GetRawText();
        }
    }

    private static string Quote(string text) => "'" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    [LoggerMessage(Level = LogLevel.Information, Message = "Read {Count} finished task(s) from the result backend.")]
    private static partial void LogLoaded(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read task history from the result backend ({ExceptionType}: {Reason}); the monitor goes on with events alone.")]
    private static partial void LogLoadFailed(ILogger logger, string exceptionType, string reason);
}
