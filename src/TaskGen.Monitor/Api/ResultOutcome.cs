using System;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace TaskGen.Monitor.Api;

/// <summary>
/// What the result backend says of a task, shaped as Flower's answers: the state and, once the task is ready, its
/// <c>result</c> (the stored JSON value, or the exception's repr) and for a failure its <c>traceback</c>.
/// </summary>
internal sealed class ResultOutcome
{
    /// <summary>How long an answer without <c>timeout</c> waits for the backend to report a stored result, as Flower reads the state once.</summary>
    private static readonly TimeSpan s_readWindow = TimeSpan.FromMilliseconds(500);

    private JsonElement? _value;
    private string? _error;
    private string? _traceback;
    private bool _ready;

    private ResultOutcome(string state) => State = state;

    /// <summary>Celery's state name.</summary>
    public string State { get; }

    /// <summary>
    /// Reads the result: with <paramref name="timeout"/>, waits that long for the task to finish (throwing
    /// <see cref="TimeoutException"/> as Flower's <c>get(timeout)</c> does); without, reports the state now.
    /// </summary>
    public static async Task<ResultOutcome> ReadAsync(AsyncResult<JsonElement> result, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        if (timeout is { } wait)
        {
            await result.WaitFinishedAsync(wait, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            try
            {
                await result.WaitFinishedAsync(s_readWindow, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Not finished: the state as known now is the answer.
            }
        }

        return await FromAsync(result).ConfigureAwait(false);
    }

    /// <summary>The outcome of a result that may or may not have finished, reading its value when it has.</summary>
    public static async Task<ResultOutcome> FromAsync(AsyncResult<JsonElement> result)
    {
        var outcome = new ResultOutcome(TaskStates.ToCelery(result.Status));
        if (!result.IsReady)
        {
            return outcome;
        }

        outcome._ready = true;
        try
        {
            outcome._value = await result.GetAsync(TimeSpan.Zero).ConfigureAwait(false);
        }
        catch (TaskFailedException ex)
        {
            outcome._error = ExceptionRepr(ex.RemoteType, ex.RemoteMessage);
            outcome._traceback = ex.RemoteTraceback;
        }
        catch (TaskRevokedException)
        {
            outcome._error = ExceptionRepr("TaskRevokedError", "revoked");
        }

        return outcome;
    }

    /// <summary>Writes <c>result</c> (and <c>traceback</c> for a failure) once the task is ready, nothing before.</summary>
    public void WriteResult(Utf8JsonWriter writer)
    {
        if (!_ready)
        {
            return;
        }

        if (_value is { } value)
        {
            writer.WritePropertyName("result");
            value.WriteTo(writer);
        }
        else
        {
            writer.WriteString("result", _error);
            if (State == "FAILURE")
            {
                if (_traceback is null)
                {
                    writer.WriteNull("traceback");
                }
                else
                {
                    writer.WriteString("traceback", _traceback);
                }
            }
        }
    }

    /// <summary>An exception as Python's <c>repr</c> shows it: <c>ValueError('boom')</c>.</summary>
    public static string ExceptionRepr(string type, string message) => $"{type}({PythonString(message)})";

    /// <summary>A string as Python's <c>repr</c> quotes it.</summary>
    public static string PythonString(string text)
    {
        char quote = text.Contains('\'', StringComparison.Ordinal) && !text.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        var repr = new StringBuilder(text.Length + 2).Append(quote);
        foreach (char c in text)
        {
            _ = c switch
            {
                '\\' => repr.Append("\\\\"),
                '\n' => repr.Append("\\n"),
                '\r' => repr.Append("\\r"),
                '\t' => repr.Append("\\t"),
                _ when c == quote => repr.Append('\\').Append(c),
                _ => repr.Append(c),
            };
        }

        return repr.Append(quote).ToString();
    }
}
