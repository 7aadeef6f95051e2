using TaskGen.Generators.Helpers;

namespace TaskGen.Generators.Model;

/// <summary>The failure-policy settings a <c>[Task]</c> writes explicitly; what it leaves out keeps the runtime's default.</summary>
/// <param name="MaxRetries">How many retries, or null.</param>
/// <param name="RetryFor">The <c>global::</c>-qualified exception types that retry the task by themselves.</param>
/// <param name="RetryBackoff">The first backoff delay in seconds, or null.</param>
/// <param name="RetryBackoffMax">The longest backoff delay in seconds, or null.</param>
/// <param name="RetryJitter">Whether delays are jittered, or null.</param>
/// <param name="DefaultRetryDelay">The delay of a retry that names none, in seconds, or null.</param>
/// <param name="RateLimit">The rate limit as written, or null.</param>
internal sealed record PolicySpec(
    int? MaxRetries,
    EquatableArray<string> RetryFor,
    double? RetryBackoff,
    double? RetryBackoffMax,
    bool? RetryJitter,
    double? DefaultRetryDelay,
    string? RateLimit);
