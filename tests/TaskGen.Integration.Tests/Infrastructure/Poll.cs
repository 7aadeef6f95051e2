using System;
using System.Threading.Tasks;

namespace TaskGen.Integration.Tests;

/// <summary>Waits for something another process does, by asking again until it is so, rather than sleeping a fixed time.</summary>
public static class Poll
{
    /// <summary>Reads a value every <paramref name="interval"/> until it is done, and returns it.</summary>
    /// <param name="read">Reads the current value.</param>
    /// <param name="done">True once the value is the one waited for.</param>
    /// <param name="what">What is waited for, for the message when it never comes.</param>
    /// <param name="interval">The pause between reads; 100 ms when null.</param>
    /// <exception cref="TimeoutException">The value was not done within <see cref="ProgramProcess.Guard"/>; the message shows the last one read.</exception>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan? interval = null)
    {
        DateTime deadline = DateTime.UtcNow + ProgramProcess.Guard;
        while (true)
        {
            T value = await read();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Gave up waiting for {what} after {ProgramProcess.Guard.TotalSeconds:0} s; last read: {value}");
            }

            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>
    /// Waits for <paramref name="result"/>'s value while watching its state, and says whether the caller saw the
    /// RETRY state on the way: a retry's state message is only a moment between two runs.
    /// </summary>
    /// <param name="result">The call.</param>
    /// <exception cref="TaskFailedException">The task failed.</exception>
    public static async Task<(T Value, bool SawRetry)> ValueNotingRetryAsync<T>(AsyncResult<T> result)
    {
        bool sawRetry = false;
        Task<T> value = result.GetAsync(ProgramProcess.Guard);
        while (!value.IsCompleted)
        {
            sawRetry |= result.Status == TaskState.Retry;
            await Task.WhenAny(value, Task.Delay(10));
        }

        return (await value, sawRetry);
    }
}
