using System.Threading.Tasks;
using TaskGen.Worker;

namespace TaskGen.Tests.Worker;

/// <summary>A retired consumer's drain waits for every delivery admitted before the retire, even one not yet handed over.</summary>
public sealed class RunningSetTests
{
    [Fact]
    public async Task ADeliveryAdmittedBeforeTheRetireHoldsTheDrainUntilItsHandlingIsAdded()
    {
        var running = new RunningSet();
        TaskCompletionSource admitted = Assert.IsType<TaskCompletionSource>(running.TryAdmit());

        running.Retire();
        Task drain = running.DrainAsync();
        Assert.False(drain.IsCompleted);

        // Its handling joins the set before the admission ends, as the worker does; the drain waits for that too.
        var handling = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        running.Add(handling.Task);
        admitted.SetResult();
        await Task.Yield();
        Assert.False(drain.IsCompleted);

        handling.SetResult();
        await drain;
        Assert.Equal(0, running.Count);
    }

    [Fact]
    public void NoDeliveryIsAdmittedOnceRetired()
    {
        var running = new RunningSet();
        running.Retire();
        Assert.Null(running.TryAdmit());
        Assert.True(running.DrainAsync().IsCompleted);
    }
}
