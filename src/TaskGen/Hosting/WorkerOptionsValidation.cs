using System.Collections.Generic;
using Microsoft.Extensions.Options;
using TaskGen.Worker;

namespace TaskGen.Hosting;

/// <summary>
/// Checks a named worker's settings once configuration and code have both set them, so that a refused one stops
/// the host at start (<c>ValidateOnStart</c>) naming its configuration key, rather than failing the worker later.
/// </summary>
internal sealed class WorkerOptionsValidation : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        // Keys are named as configuration spells them even for values set in code: that is where a reader looks first.
        string path = TaskAppConfiguration.WorkerSectionPath(name ?? string.Empty);
        var errors = new List<string>();
        if (options.Concurrency is < 1)
        {
            errors.Add($"{path}:{nameof(WorkerOptions.Concurrency)} must be at least 1, not {options.Concurrency}.");
        }

        for (int i = 0; i < options.Queues.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(options.Queues[i]))
            {
                errors.Add($"{path}:{nameof(WorkerOptions.Queues)}:{i} is empty: name a queue, or leave Queues empty for the app's default queue.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
