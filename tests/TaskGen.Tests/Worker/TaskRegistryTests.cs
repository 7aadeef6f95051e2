using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using TaskGen.Transport;
using TaskGen.Worker;

namespace TaskGen.Tests.Worker;

/// <summary>
/// The registry hands a worker each task's code with its definition, so a delivery costs one lookup by name: the
/// generated definitions carry their entry, and a module written by hand runs through its dispatch method.
/// </summary>
public sealed class TaskRegistryTests
{
    [Fact]
    public void EveryGeneratedDefinitionCarriesItsTasksEntry()
    {
        TaskRegistry registry = new TaskAppBuilder().AddTaskGenTestsTasks().Tasks;

        Assert.NotEmpty(registry.TaskNames);
        Assert.All(registry.TaskNames, name =>
        {
            Assert.True(registry.TryGet(name, out _, out TaskDefinition definition));
            Assert.NotNull(definition.Run);
        });
    }

    [Fact]
    public async Task ADefinitionWithoutAnEntryRunsThroughItsModulesDispatch()
    {
        var module = new HandWritten();
        var registry = new TaskRegistry();
        registry.Add(module);

        Assert.True(registry.TryGet("hand.written", out _, out TaskDefinition definition));
        var invocation = new TaskInvocation(new TaskGen.Protocol.TaskRequest { Id = "1", Name = "hand.written", Args = "[]"u8.ToArray(), Kwargs = "{}"u8.ToArray() }, "unit@test", "celery", default);
        await definition.Run!(invocation);

        Assert.Equal(["hand.written"], module.Dispatched);
    }

    private sealed class HandWritten : TaskModule
    {
        public List<string> Dispatched { get; } = [];

        public override IReadOnlyList<TaskDefinition> Tasks { get; } = [new TaskDefinition("hand.written", "celery", [], null)];

        public override IReadOnlyList<QueueDeclaration> Queues { get; } = [];

        public override ValueTask DispatchAsync(TaskInvocation invocation)
        {
            Dispatched.Add(invocation.Request.Name);
            return ValueTask.CompletedTask;
        }
    }
}
