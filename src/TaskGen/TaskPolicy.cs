using System;
using System.ComponentModel;
using System.Globalization;

namespace TaskGen;

/// <summary>
/// What a task declares about failing: when it is retried, how long each retry waits, and how fast a worker may
/// start it. The generator builds one per task from <see cref="TaskAttribute"/>, so the worker reads no attributes;
/// it exists for generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TaskPolicy
{
    /// <summary>Celery's default <c>max_retries</c>.</summary>
    internal const int DefaultMaxRetries = 3;

    /// <summary>Celery's default <c>retry_backoff_max</c>, in seconds.</summary>
    internal const double DefaultRetryBackoffMax = 600;

    /// <summary>Celery's default <c>default_retry_delay</c>, in seconds.</summary>
    internal const double DefaultDefaultRetryDelay = 180;

    /// <summary>The policy of a task that declares nothing: three explicit retries, three minutes apart, no automatic retry, no rate limit.</summary>
    internal static TaskPolicy Default { get; } = new();

    private readonly string? _rateLimit;

    /// <summary>How many times the task may be retried before its exception fails it.</summary>
    public int MaxRetries { get; init; } = DefaultMaxRetries;

    /// <summary>Whether an exception the task threw retries it by itself; null when none does (no <c>RetryFor</c>).</summary>
    public Func<Exception, bool>? RetryFor { get; init; }

    /// <summary>The first automatic retry's delay, doubled per retry; null for a fixed <see cref="DefaultRetryDelay"/>.</summary>
    public TimeSpan? RetryBackoff { get; init; }

    /// <summary>The longest backoff delay.</summary>
    public TimeSpan RetryBackoffMax { get; init; } = TimeSpan.FromSeconds(DefaultRetryBackoffMax);

    /// <summary>Whether each backoff delay is drawn at random between zero and its value.</summary>
    public bool RetryJitter { get; init; } = true;

    /// <summary>The delay of a retry that names none and has no backoff.</summary>
    public TimeSpan DefaultRetryDelay { get; init; } = TimeSpan.FromSeconds(DefaultDefaultRetryDelay);

    /// <summary>The rate limit as declared (<c>"10/s"</c>), or null for none.</summary>
    /// <exception cref="FormatException">The text is not a rate Celery would read.</exception>
    public string? RateLimit
    {
        get => _rateLimit;
        init
        {
            _rateLimit = value;
            Rate = value is null ? null : ParseRate(value);
        }
    }

    /// <summary>The rate limit as runs per period, or null for none.</summary>
    internal (double Runs, TimeSpan Per)? Rate { get; private init; }

    /// <summary>
    /// The delay before automatic retry number <paramref name="retries"/> + 1, as Celery computes it:
    /// <c>min(RetryBackoffMax, RetryBackoff × 2^retries)</c>, then drawn between zero and that with jitter.
    /// </summary>
    /// <param name="retries">How many times the task has been retried already.</param>
    /// <param name="random">The source of jitter.</param>
    internal TimeSpan BackoffDelay(int retries, Random random)
    {
        if (RetryBackoff is not { } factor)
        {
            return DefaultRetryDelay;
        }

        double seconds = Math.Min(RetryBackoffMax.TotalSeconds, factor.TotalSeconds * Math.Pow(2, Math.Min(retries, 1023)));
        if (RetryJitter)
        {
            seconds *= random.NextDouble();
        }

        return TimeSpan.FromSeconds(Math.Max(0, seconds));
    }

    /// <summary>
    /// Reads Celery's rate syntax: a positive number of runs, optionally followed by <c>/s</c>, <c>/m</c> or <c>/h</c>
    /// (a bare number is per second).
    /// </summary>
    /// <param name="text">The rate, such as <c>"10/s"</c>.</param>
    /// <exception cref="FormatException">The text is not such a rate.</exception>
    internal static (double Runs, TimeSpan Per) ParseRate(string text)
    {
        string trimmed = text.Trim();
        int slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        string number = slash < 0 ? trimmed : trimmed[..slash].Trim();
        string unit = slash < 0 ? "s" : trimmed[(slash + 1)..].Trim();
        TimeSpan? per = unit switch
        {
            "s" => TimeSpan.FromSeconds(1),
            "m" => TimeSpan.FromMinutes(1),
            "h" => TimeSpan.FromHours(1),
            _ => null,
        };
        if (per is null
            || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double runs)
            || !(runs > 0) || double.IsInfinity(runs))
        {
            throw new FormatException($"Rate limit '{text}' is not a rate: write a positive number of runs per second, minute or hour, such as \"10/s\", \"100/m\" or \"5/h\".");
        }

        return (runs, per.Value);
    }
}
