using System;
using System.Collections.Generic;
using System.Linq;
using TaskGen.Transport;

namespace TaskGen.Worker;

/// <summary>The tasks and queues an app knows, gathered from the generated modules of its task assemblies.</summary>
internal sealed class TaskRegistry
{
    private readonly Dictionary<string, (TaskModule Module, TaskDefinition Definition)> _tasks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, QueueDeclaration> _queues = new(StringComparer.Ordinal);
    private readonly List<TaskModule> _modules = [];
    private readonly object _gate = new();

    /// <summary>Adds a module's tasks and queues; adding the same module twice has no effect.</summary>
    /// <param name="module">The generated module.</param>
    /// <exception cref="InvalidOperationException">Another module already has a task of the same name.</exception>
    public void Add(TaskModule module)
    {
        lock (_gate)
        {
            if (_modules.Contains(module))
            {
                return;
            }

            foreach (TaskDefinition definition in module.Tasks)
            {
                if (_tasks.TryGetValue(definition.Name, out var existing))
                {
                    throw new InvalidOperationException(
                        $"Task '{definition.Name}' is defined by two task assemblies ({existing.Module.GetType().FullName} and {module.GetType().FullName}): give one of them another name with [Task(Name = ...)].");
                }
            }

            _modules.Add(module);
            foreach (TaskDefinition definition in module.Tasks)
            {
                // Every stored definition can run its task, so a worker never goes back to the module's name switch.
                _tasks.Add(definition.Name, (module, definition.Run is null ? definition with { Run = module.DispatchAsync } : definition));
            }

            AddQueues(module.Queues);
        }
    }

    /// <summary>Every stub's call shape the registered modules carry, by task name (the first module's wins), for typed forms.</summary>
    public IReadOnlyList<TaskSignatureInfo> Signatures()
    {
        lock (_gate)
        {
            var seen = new Dictionary<string, TaskSignatureInfo>(StringComparer.Ordinal);
            foreach (TaskModule module in _modules)
            {
                foreach (TaskSignatureInfo signature in module.Signatures)
                {
                    seen.TryAdd(signature.Name, signature);
                }
            }

            return [.. seen.Values.OrderBy(s => s.Name, StringComparer.Ordinal)];
        }
    }

    /// <summary>Adds queue declarations without tasks, as a producer learns them from the stubs it calls.</summary>
    /// <param name="queues">The declarations.</param>
    public void AddQueues(IEnumerable<QueueDeclaration> queues)
    {
        lock (_gate)
        {
            foreach (QueueDeclaration queue in queues)
            {
                _queues.TryAdd(queue.Name, queue);
            }
        }
    }

    /// <summary>Finds the module and definition of the task <paramref name="name"/>.</summary>
    /// <param name="name">The task name.</param>
    /// <param name="module">The module that runs it.</param>
    /// <param name="definition">Its definition.</param>
    public bool TryGet(string name, out TaskModule module, out TaskDefinition definition)
    {
        lock (_gate)
        {
            if (_tasks.TryGetValue(name, out var entry))
            {
                (module, definition) = entry;
                return true;
            }
        }

        module = null!;
        definition = null!;
        return false;
    }

    /// <summary>Finds the declaration of the queue <paramref name="name"/>.</summary>
    /// <param name="name">The queue name.</param>
    /// <param name="queue">The declaration.</param>
    public bool TryGetQueue(string name, out QueueDeclaration queue)
    {
        lock (_gate)
        {
            return _queues.TryGetValue(name, out queue!);
        }
    }

    /// <summary>The names of all registered tasks, sorted ordinally.</summary>
    public IReadOnlyList<string> TaskNames
    {
        get
        {
            lock (_gate)
            {
                return _tasks.Keys.Order(StringComparer.Ordinal).ToArray();
            }
        }
    }

    /// <summary>Every declared queue.</summary>
    public IReadOnlyList<QueueDeclaration> Queues
    {
        get
        {
            lock (_gate)
            {
                return _queues.Values.ToArray();
            }
        }
    }
}
