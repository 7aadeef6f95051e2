using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace TaskGen.Hosting;

/// <summary>
/// Makes the container's app the one generated stubs send through while the host runs, so that
/// <c>Geometry.RectArea.Delay(2, 2)</c> works in a hosted app as it does after <see cref="TaskApp.Configure"/>.
/// </summary>
internal sealed class TaskAppHostedService(TaskApp app) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        TaskApp.Default = app;
        return Task.CompletedTask;
    }

    // The container disposes the app itself (after every worker has stopped); this only stops it being the default.
    public Task StopAsync(CancellationToken cancellationToken)
    {
        TaskApp.ClearDefault(app);
        return Task.CompletedTask;
    }
}
