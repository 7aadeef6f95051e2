using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TaskGen.Tests.EndToEnd;
using TaskGen.Tests.Hosting;
using TaskGen.Worker;

namespace TaskGen.Tests.Worker;

/// <summary>
/// Task filters, the worker's middleware: they wrap every run in the order added, see what the task returns and
/// throws, can change the outcome or skip the task, and run inside the run's service scope.
/// </summary>
public sealed class TaskFilterTests
{
    private static readonly TimeSpan Guard = MemoryEnvironment.Guard;

    [Fact]
    public async Task FiltersWrapEachRunInTheOrderAddedTheFirstOutermost()
    {
        var log = new ConcurrentQueue<string>();
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(configure: b => b
            .AddFilter(new Recording("outer", log))
            .AddFilter(new Recording("inner", log)));

        Assert.Equal(5, await env.App.Send(EndToEnd.Remote.TestTasks.Add.Signature(2, 3)).GetAsync(Guard));

        Assert.Equal(["outer>" + EndToEnd.Remote.TestTasks.Add.Name, "inner>" + EndToEnd.Remote.TestTasks.Add.Name, "inner<5", "outer<5"], log.ToArray());
    }

    [Fact]
    public async Task AFilterSeesWhatTheTaskThrowsAndItStaysTheTasksFailure()
    {
        var log = new ConcurrentQueue<string>();
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(configure: b => b.AddFilter(new Recording("only", log)));

        TaskFailedException failed = await Assert.ThrowsAsync<TaskFailedException>(() => env.App.Send(EndToEnd.Remote.TestTasks.Divide.Signature(1, 0)).GetAsync(Guard));

        Assert.Equal("DivideByZeroException", failed.RemoteType);
        Assert.Contains("only!DivideByZeroException", log);
    }

    [Fact]
    public async Task AFilterThatSwallowsTheExceptionMakesTheRunASuccess()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(configure: b => b.AddFilter(new Swallowing()));

        AsyncResult result = env.App.Send(EndToEnd.Remote.TestTasks.Divide.Signature(1, 0));
        await result.GetAsync(Guard);

        Assert.Equal(TaskState.Success, result.Status);
    }

    [Fact]
    public async Task AFilterThatDoesNotCallNextSkipsTheTask()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(configure: b => b.AddFilter(new Skipping()));
        string note = "skipped-" + Guid.NewGuid().ToString("N");

        AsyncResult result = env.App.Send(EndToEnd.Remote.TestTasks.Record.Signature(note));
        await result.GetAsync(Guard);

        Assert.Equal(TaskState.Success, result.Status);
        Assert.False(TestTasks.Recorded.ContainsKey(note));
    }

    [Fact]
    public async Task AFilterRegisteredWithTheHostRunsInTheRunsServiceScope()
    {
        HostApplicationBuilder builder = MemoryHost.CreateBuilder();
        builder.Services.AddTaskGen(configure: b => b.AddTaskGenTestsTasks());
        builder.Services.AddScoped<RunScope>();
        builder.Services.AddSingleton<RunLog>();
        builder.Services.AddTaskFilter<ScopeFilter>();
        builder.Services.AddTaskGenWorker(w => w.NodeName = "filters@unit");
        using IHost host = builder.Build();
        await host.StartAsync();
        TaskApp app = host.Services.GetRequiredService<TaskApp>();

        // The task takes the same scoped service: one instance per run proves the filter ran inside the run's scope.
        Assert.True(await app.Send(Hosting.Remote.ServiceTasks.UseScope.Signature("filtered")).GetAsync(Guard));

        RunLog log = host.Services.GetRequiredService<RunLog>();
        Assert.Same(log.Scopes["filtered"], log.Scopes["filter:" + Hosting.Remote.ServiceTasks.UseScope.Name]);
        // After the task returned, the filter still had the run's scope, not yet disposed and not a new one.
        ScopeFilter filter = host.Services.GetServices<ITaskFilter>().OfType<ScopeFilter>().Single();
        Assert.Same(log.Scopes["filtered"], log.Scopes["filter-after"]);
        Assert.False(filter.DisposedAfterNext);
        await host.StopAsync();
    }

    [Fact]
    public void WithoutFiltersTheChainIsTheDispatchItself()
    {
        Assert.Null(TimedDispatch.Compose([]));
        Assert.NotNull(TimedDispatch.Compose([new Skipping()]));
    }

    private sealed class Recording(string name, ConcurrentQueue<string> log) : ITaskFilter
    {
        public async ValueTask InvokeAsync(TaskInvocation invocation, TaskRunDelegate next)
        {
            log.Enqueue(name + ">" + invocation.Request.Name);
            try
            {
                await next(invocation);
            }
            catch (Exception ex)
            {
                log.Enqueue(name + "!" + ex.GetType().Name);
                throw;
            }

            log.Enqueue(name + "<" + System.Text.Encoding.UTF8.GetString(invocation.ResultJson.Span));
        }
    }

    private sealed class Swallowing : ITaskFilter
    {
        public async ValueTask InvokeAsync(TaskInvocation invocation, TaskRunDelegate next)
        {
            try
            {
                await next(invocation);
            }
            catch (DivideByZeroException)
            {
            }
        }
    }

    private sealed class Skipping : ITaskFilter
    {
        public ValueTask InvokeAsync(TaskInvocation invocation, TaskRunDelegate next) => ValueTask.CompletedTask;
    }

    private sealed class ScopeFilter(RunLog log) : ITaskFilter
    {
        public async ValueTask InvokeAsync(TaskInvocation invocation, TaskRunDelegate next)
        {
            log.Scopes["filter:" + invocation.Request.Name] = invocation.GetRequiredService<RunScope>();
            await next(invocation);
            RunScope after = invocation.GetRequiredService<RunScope>();
            DisposedAfterNext = after.IsDisposed;
            log.Scopes["filter-after"] = after;
        }

        public bool DisposedAfterNext { get; private set; } = true;
    }
}
