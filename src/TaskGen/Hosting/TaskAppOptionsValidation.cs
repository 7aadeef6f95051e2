using Microsoft.Extensions.Options;

namespace TaskGen.Hosting;

/// <summary>
/// Runs <see cref="TaskAppOptions.Validate"/> through the options system, so that a refused setting stops the
/// host at start (<c>ValidateOnStart</c>) with the same message the command line prints.
/// </summary>
internal sealed class TaskAppOptionsValidation : IValidateOptions<TaskAppOptions>
{
    public ValidateOptionsResult Validate(string? name, TaskAppOptions options)
    {
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (TaskAppConfigurationException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
