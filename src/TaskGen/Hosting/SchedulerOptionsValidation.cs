using System;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TaskGen.Scheduling;

namespace TaskGen.Hosting;

/// <summary>
/// Checks the scheduler's settings once configuration and code have both set them, so that a refused one stops the
/// host at start (<c>ValidateOnStart</c>) naming its configuration key, before the scheduler takes part in any election.
/// </summary>
internal sealed class SchedulerOptionsValidation(IServiceProvider services) : IValidateOptions<SchedulerOptions>
{
    public ValidateOptionsResult Validate(string? name, SchedulerOptions options)
    {
        // The elections a package registered live on the app; building it here is what the host's start does next anyway.
        TaskApp? app = services.GetService<TaskApp>();
        var errors = ScheduleConfiguration.CheckScheduler(options, app?.BeatElections.Keys);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
