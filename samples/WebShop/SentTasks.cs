using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using TaskGen;

namespace WebShop;

/// <summary>
/// The results of the tasks this web app has sent, by task id. With the <c>rpc://</c> backend a result comes back
/// only to the process that sent the task, so the app keeps each <see cref="AsyncResult"/> to answer
/// <c>GET /tasks/{id}</c>; the oldest are forgotten past <see cref="Capacity"/> so memory stays bounded.
/// </summary>
public sealed class SentTasks
{
    /// <summary>How many tasks are remembered at most.</summary>
    public const int Capacity = 10_000;

    private readonly Dictionary<string, AsyncResult<string>> _byId = new(System.StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly object _gate = new();

    /// <summary>Remembers a sent task, forgetting the oldest one if full.</summary>
    /// <param name="result">The task's pending result.</param>
    public void Add(AsyncResult<string> result)
    {
        lock (_gate)
        {
            if (_byId.TryAdd(result.Id, result))
            {
                _order.Enqueue(result.Id);
            }

            while (_order.Count > Capacity)
            {
                _byId.Remove(_order.Dequeue());
            }
        }
    }

    /// <summary>Finds a task this app sent and still remembers.</summary>
    /// <param name="id">The task id.</param>
    /// <param name="result">The task's result, when found.</param>
    public bool TryGet(string id, [NotNullWhen(true)] out AsyncResult<string>? result)
    {
        lock (_gate)
        {
            return _byId.TryGetValue(id, out result);
        }
    }
}
