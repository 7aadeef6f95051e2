namespace WebShop;

/// <summary>What <c>GET /tasks/{id}</c> reports of a task, in HTML or as JSON.</summary>
/// <param name="Id">The task id.</param>
/// <param name="State">Celery's name of the task's state: PENDING, STARTED, RETRY, SUCCESS, FAILURE or REVOKED.</param>
/// <param name="Result">The sent message's id once the task has succeeded; null before.</param>
/// <param name="Error">Why the task failed, once it has; null otherwise.</param>
public sealed record TaskView(string Id, string State, string? Result = null, string? Error = null);
