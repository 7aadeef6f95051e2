using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Diagnostics;

namespace TaskGen.Scheduling;

/// <summary>
/// A scheduler process (Celery's <c>beat</c>): it takes part in electing the schedule's one sender and, while it
/// leads, sends each entry's runs on time through the app, each with a task id derived from the entry and run time.
/// </summary>
public sealed partial class Beat : IAsyncDisposable
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(30);

    // Task.Delay takes at most about 49 days; a wait for a run further off wakes up once a day and waits again.
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(1);

    /// <summary>The most runs in flight at once when many entries fall due together; enough to hide the confirm round trip, few enough not to flood the channel.</summary>
    private const int MaxConcurrentSends = 128;

    private readonly TaskApp _app;
    private readonly IBeatElection _election;
    private readonly IBeatState _state;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private BeatTerm? _term;
    private DateTimeOffset? _firstStart;
    private int _running;

    internal Beat(TaskApp app, IReadOnlyList<ScheduleEntry> entries, SchedulerOptions options, IBeatElection election, IBeatState state, TimeProvider time, string node)
    {
        _app = app;
        Entries = entries;
        Options = options;
        _election = election;
        _state = state;
        _time = time;
        Node = node;
        _logger = app.LoggerFactory.CreateLogger("TaskGen.Beat");
    }

    /// <summary>The entries this scheduler sends.</summary>
    public IReadOnlyList<ScheduleEntry> Entries { get; }

    /// <summary>The election and state settings.</summary>
    public SchedulerOptions Options { get; }

    /// <summary>This process's node name in the election (<c>beat@host</c>).</summary>
    public string Node { get; }

    /// <summary>Whether this process leads now and may send.</summary>
    public bool IsLeader => Volatile.Read(ref _term) is { } term && !term.Lost.IsCancellationRequested && term.Leads();

    /// <summary>Runs until <paramref name="cancellationToken"/> fires: waits to lead, catches up under each entry's misfire policy, then sends each run on time.</summary>
    /// <param name="cancellationToken">Stops the scheduler; a leader stops sending at once and hands the role over.</param>
    /// <exception cref="TaskAppConfigurationException">An entry cannot be sent by a scheduler (a broadcast task, an undeclared queue).</exception>
    /// <exception cref="InvalidOperationException">The scheduler runs already.</exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        CheckEntries();
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            throw new InvalidOperationException("This Beat runs already; a process runs one scheduler per schedule.");
        }

        try
        {
            TimeSpan retry = FirstRetry;
            while (!cancellationToken.IsCancellationRequested)
            {
                // Each term gets its own token, so that ending the term (a lapsed lease) hands the role back to the election.
                using var termSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                BeatTerm term;
                try
                {
                    term = await _election.AcquireAsync(Node, termSource.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    LogElectionFailed(_logger, Options.Name, _election.Description, retry.TotalSeconds, LogText.Escape(ex.Message));
                    if (!await WaitAsync(retry, cancellationToken).ConfigureAwait(false))
                    {
                        return;
                    }

                    retry = Min(retry * 2, LastRetry);
                    continue;
                }

                retry = FirstRetry;
                string ended = "the scheduler stopped";
                bool failed = false;
                Volatile.Write(ref _term, term);
                LogTermStarted(_logger, Options.Name, term.Epoch, _election.Description);
                try
                {
                    ended = await LeadAsync(term, termSource.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    ended = "the lease was lost";
                }
                catch (OperationCanceledException)
                {
                }
                catch (Exception ex)
                {
                    // The state store unreachable at the start of the term, most likely; the next term reads it again.
                    ended = "the term failed: " + ex.Message;
                    failed = true;
                    LogTermFailed(_logger, ex, Options.Name, term.Epoch);
                }
                finally
                {
                    Volatile.Write(ref _term, null);
                    await termSource.CancelAsync().ConfigureAwait(false);
                    LogTermEnded(_logger, Options.Name, term.Epoch, LogText.Escape(ended));
                }

                // A term that failed for a reason other than losing the lease is not retried at once in a tight loop.
                if (failed && !await WaitAsync(FirstRetry, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>Releases the election and the state store.</summary>
    public async ValueTask DisposeAsync()
    {
        await _election.DisposeAsync().ConfigureAwait(false);
        await _state.DisposeAsync().ConfigureAwait(false);
    }

    private void CheckEntries()
    {
        var problems = new List<string>();
        foreach (ScheduleEntry entry in Entries)
        {
            if (_app.ScheduleEntryProblem(entry) is { } problem)
            {
                problems.Add(problem);
            }
        }

        if (problems.Count > 0)
        {
            throw new TaskAppConfigurationException(string.Join(Environment.NewLine, problems));
        }
    }

    /// <summary>Sends while the term lasts; returns why it ended, or throws when it was lost or the scheduler stopped.</summary>
    private async Task<string> LeadAsync(BeatTerm term, CancellationToken termToken)
    {
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(termToken, term.Lost);
        CancellationToken token = lost.Token;

        IReadOnlyDictionary<string, DateTimeOffset> stored = await _state.ReadLastTicksAsync(Entries, token).ConfigureAwait(false);
        DateTimeOffset now = _time.GetUtcNow();

        // A tick's BCC copy always routes, so a target queue an operator deleted would swallow ticks without the
        // broker's usual "unroutable" answer: every term declares the entries' queues afresh before it sends.
        await _app.DeclareTickQueuesAsync(Entries, token).ConfigureAwait(false);

        // An entry never sent counts from this process's first term, so that nothing due before the first start
        // fires, while runs due during a gap between two terms of this process are caught up. That start is recorded,
        // so a leader after this one owes the entry's runs from it too, even before its first run went out.
        _firstStart ??= now;
        var plans = new EntryPlans(Entries.Count);
        for (int i = 0; i < Entries.Count; i++)
        {
            if (stored.TryGetValue(Entries[i].Name, out DateTimeOffset tick))
            {
                plans.Last[i] = tick;
            }
            else
            {
                await _state.RecordBaselineAsync(Entries[i], _firstStart.Value, token).ConfigureAwait(false);
                plans.Last[i] = _firstStart.Value;
            }

            Plan(plans, i, now);
        }

        while (true)
        {
            if (!plans.Due.TryPeek(out int index, out DateTimeOffset due))
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, _time, token).ConfigureAwait(false);
                continue;
            }

            now = _time.GetUtcNow();
            if (due > now)
            {
                await Task.Delay(Min(due - now, LongestWait), _time, token).ConfigureAwait(false);
                continue;
            }

            // Every entry due now goes out together: entries written as "0 * * * *" all fall due at one instant, and
            // one confirmed publish after another would make the last of a thousand late by the sum of their round trips.
            // An entry's own runs stay in order, since only its next run is in the batch.
            var batch = new List<(int Index, DateTimeOffset Tick)>();
            while (plans.Due.TryPeek(out index, out due) && due <= now)
            {
                plans.Due.Dequeue();
                if (plans.Pending[index] is { Count: > 0 } pending)
                {
                    batch.Add((index, pending.Peek()));
                }
                else
                {
                    Plan(plans, index, now);
                }
            }

            if (batch.Count == 0)
            {
                continue;
            }

            bool[] sent = await SendBatchAsync(batch, term, token).ConfigureAwait(false);
            bool lapsed = false;
            for (int i = 0; i < batch.Count; i++)
            {
                (int entry, DateTimeOffset tick) = batch[i];
                if (!sent[i])
                {
                    // Back in the queue for the next term, which re-reads the state before it sends.
                    lapsed = true;
                    plans.Due.Enqueue(entry, tick);
                    continue;
                }

                Queue<DateTimeOffset> pending = plans.Pending[entry]!;
                pending.Dequeue();
                plans.Last[entry] = tick;
                if (pending.Count > 0)
                {
                    plans.Due.Enqueue(entry, pending.Peek());
                }
                else
                {
                    Plan(plans, entry, _time.GetUtcNow());
                }
            }

            if (lapsed)
            {
                return "the lease lapsed";
            }
        }
    }

    /// <summary>Sends one run of each entry in <paramref name="batch"/>, at most <see cref="MaxConcurrentSends"/> at once; an element is false when the term stopped leading before that run went out.</summary>
    private async Task<bool[]> SendBatchAsync(List<(int Index, DateTimeOffset Tick)> batch, BeatTerm term, CancellationToken token)
    {
        var sent = new bool[batch.Count];
        if (batch.Count == 1)
        {
            sent[0] = await SendAsync(Entries[batch[0].Index], batch[0].Tick, term, token).ConfigureAwait(false);
            return sent;
        }

        // Not disposed: when the term is cancelled mid-batch, sends still in flight release their slot after this returns.
        var slots = new SemaphoreSlim(MaxConcurrentSends, MaxConcurrentSends);
        var sends = new Task[batch.Count];
        for (int i = 0; i < batch.Count; i++)
        {
            await slots.WaitAsync(token).ConfigureAwait(false);
            int at = i;
            sends[i] = SendOneAsync();

            async Task SendOneAsync()
            {
                try
                {
                    sent[at] = await SendAsync(Entries[batch[at].Index], batch[at].Tick, term, token).ConfigureAwait(false);
                }
                finally
                {
                    slots.Release();
                }
            }
        }

        await Task.WhenAll(sends).ConfigureAwait(false);
        return sent;
    }

    private void Plan(EntryPlans plans, int index, DateTimeOffset now)
    {
        ScheduleEntry entry = Entries[index];
        BeatPlan plan = BeatPlanner.Plan(entry.Schedule, entry.Options.Misfire, entry.Options.MisfireThreshold, plans.Last[index], now);
        if (plan.Missed > 0)
        {
            LogMissed(_logger, LogText.Escape(entry.Name), plan.Missed, Format(plan.FirstMissed), Format(plan.LastMissed), entry.Options.Misfire, plan.Missed - plan.Dropped);
            if (entry.Options.Misfire == MisfirePolicy.RunAll && plan.Dropped > 0)
            {
                LogCatchUpCapped(_logger, LogText.Escape(entry.Name), plan.Dropped, BeatPlanner.MaxCatchUp);
            }
        }

        if (plan.Send.Count > 0)
        {
            plans.Pending[index] = new Queue<DateTimeOffset>(plan.Send);
            plans.Due.Enqueue(index, plan.Send[0]);
        }
        else
        {
            plans.Pending[index] = null;
            if (plan.Next is { } next)
            {
                plans.Due.Enqueue(index, next);
            }
        }
    }

    /// <summary>Sends one run, retrying a failed publish while the term leads; false when the term stopped leading first.</summary>
    private async Task<bool> SendAsync(ScheduleEntry entry, DateTimeOffset tick, BeatTerm term, CancellationToken token)
    {
        string taskId = BeatTicks.TaskId(entry.Name, tick);
        TimeSpan retry = FirstRetry;
        bool announced = false;
        while (true)
        {
            if (!term.Leads())
            {
                return false;
            }

            if (!announced)
            {
                LogSending(_logger, LogText.Escape(entry.Name), entry.Signature.Task.Name, taskId, Format(tick));
                announced = true;
            }

            try
            {
                await _app.SendTickAsync(entry, tick, _state, token).ConfigureAwait(false);
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
            {
                LogSendFailed(_logger, LogText.Escape(entry.Name), taskId, retry.TotalSeconds, LogText.Escape(ex.Message));
                await Task.Delay(retry, _time, token).ConfigureAwait(false);
                retry = Min(retry * 2, LastRetry);
                if (await RecordedAsync(entry, tick, token).ConfigureAwait(false))
                {
                    // The broker took the run although its confirmation was lost: the publish recorded it, so a
                    // second publish would run it twice.
                    LogAlreadySent(_logger, LogText.Escape(entry.Name), taskId);
                    return true;
                }
            }
        }

        try
        {
            await _state.TickSentAsync(entry, tick, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
        {
            // The run went out; only its record failed, so the next term may send it again under its task id.
            LogRecordFailed(_logger, LogText.Escape(entry.Name), taskId, LogText.Escape(ex.Message));
        }

        return true;
    }

    /// <summary>Whether the state holds <paramref name="tick"/> (or a later run) for the entry; false when it cannot be read now.</summary>
    private async Task<bool> RecordedAsync(ScheduleEntry entry, DateTimeOffset tick, CancellationToken token)
    {
        try
        {
            IReadOnlyDictionary<string, DateTimeOffset> last = await _state.ReadLastTicksAsync([entry], token).ConfigureAwait(false);
            return last.TryGetValue(entry.Name, out DateTimeOffset recorded) && recorded >= tick;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task<bool> WaitAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string Format(DateTimeOffset? tick) => tick?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) ?? "-";

    /// <summary>The per-entry state of one term: the last run sent, the runs waiting to go, and every entry's next due time.</summary>
    private sealed class EntryPlans(int count)
    {
        public DateTimeOffset?[] Last { get; } = new DateTimeOffset?[count];

        public Queue<DateTimeOffset>?[] Pending { get; } = new Queue<DateTimeOffset>?[count];

        public PriorityQueue<int, DateTimeOffset> Due { get; } = new(count);
    }
}
