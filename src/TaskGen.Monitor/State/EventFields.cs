using System;
using System.Text.Json;

using TaskGen.Serialization;

namespace TaskGen.Monitor.State;

/// <summary>
/// The fields of one event, read up front so that a malformed event fails before anything is applied; a field of
/// the wrong JSON type reads as absent and text is cut to the configured length.
/// </summary>
internal sealed class EventFields
{
    public string? Type { get; private set; }
    public string? Hostname { get; private set; }
    public string? Uuid { get; private set; }
    public double? Timestamp { get; private set; }
    public long? Clock { get; private set; }
    public int? Pid { get; private set; }
    public double? Freq { get; private set; }
    public int? Active { get; private set; }
    public long? Processed { get; private set; }
    public double[]? Loadavg { get; private set; }
    public string? SwIdent { get; private set; }
    public string? SwVer { get; private set; }
    public string? SwSys { get; private set; }
    public string? Name { get; private set; }
    public string? Args { get; private set; }
    public string? Kwargs { get; private set; }
    public int? Retries { get; private set; }
    public string? Eta { get; private set; }
    public string? Expires { get; private set; }
    public string? Result { get; private set; }
    public string? Exception { get; private set; }
    public string? Traceback { get; private set; }
    public double? Runtime { get; private set; }
    public string? Exchange { get; private set; }
    public string? RoutingKey { get; private set; }
    public string? RootId { get; private set; }
    public string? ParentId { get; private set; }
    public string? Group { get; private set; }
    public int? GroupIndex { get; private set; }
    public string? Queue { get; private set; }

    /// <summary>How many fields were cut.</summary>
    public int Truncated { get; private set; }

    public static EventFields Read(JsonElement e, int maxLength)
    {
        var f = new EventFields();
        if (e.ValueKind != JsonValueKind.Object)
        {
            return f;
        }

        const int Short = 256;
        f.Type = Identifier(e, "type");
        f.Hostname = Identifier(e, "hostname");
        f.Uuid = Identifier(e, "uuid");
        f.Timestamp = Number(e, "timestamp") is { } ts && double.IsFinite(ts) && ts > 0 ? ts : null;
        f.Clock = Number(e, "clock") is { } clock and >= 0 and < long.MaxValue ? (long)clock : null;
        f.Pid = Integer(e, "pid");
        f.Freq = Number(e, "freq");
        f.Active = Integer(e, "active");
        f.Processed = Number(e, "processed") is { } processed and >= 0 and < long.MaxValue ? (long)processed : null;
        f.Loadavg = Loads(e);
        f.SwIdent = f.Text(e, "sw_ident", Short);
        f.SwVer = f.Text(e, "sw_ver", Short);
        f.SwSys = f.Text(e, "sw_sys", Short);
        f.Name = f.Text(e, "name", Short);
        f.Args = f.Text(e, "args", maxLength);
        f.Kwargs = f.Text(e, "kwargs", maxLength);
        f.Retries = Integer(e, "retries");
        f.Eta = f.Text(e, "eta", Short);
        f.Expires = f.Text(e, "expires", Short);
        f.Result = f.Text(e, "result", maxLength);
        f.Exception = f.Text(e, "exception", maxLength);
        f.Traceback = f.Text(e, "traceback", maxLength);
        f.Runtime = Number(e, "runtime") is { } runtime && double.IsFinite(runtime) && runtime >= 0 ? runtime : null;
        f.Exchange = f.Text(e, "exchange", Short);
        f.RoutingKey = f.Text(e, "routing_key", Short);
        f.RootId = f.Text(e, "root_id", Short);
        f.ParentId = f.Text(e, "parent_id", Short);
        f.Group = f.Text(e, "group", Short);
        f.GroupIndex = Integer(e, "group_index");
        f.Queue = f.Text(e, "queue", Short);
        return f;
    }

    /// <summary>Applies every field the event carries, as Celery applies an event that is not out of order.</summary>
    public void ApplyAll(TaskRecord task)
    {
        ApplyReceived(task);
        task.Result = Result ?? task.Result;
        task.Exception = Exception ?? task.Exception;
        task.Traceback = Traceback ?? task.Traceback;
        task.Runtime = Runtime ?? task.Runtime;
        task.Exchange = Exchange ?? task.Exchange;
        task.RoutingKey = RoutingKey ?? task.RoutingKey;
        task.Group = Group ?? task.Group;
        task.GroupIndex = GroupIndex ?? task.GroupIndex;
        task.Queue = Queue ?? task.Queue;
        task.Clock = Clock ?? task.Clock;
    }

    /// <summary>Applies the fields Celery's merge rule keeps from <c>task-received</c> when it arrives late.</summary>
    public void ApplyReceived(TaskRecord task)
    {
        task.Name = Name ?? task.Name;
        task.Args = Args ?? task.Args;
        task.Kwargs = Kwargs ?? task.Kwargs;
        task.ParentId = ParentId ?? task.ParentId;
        task.RootId = RootId ?? task.RootId;
        task.Retries = Retries ?? task.Retries;
        task.Eta = Eta ?? task.Eta;
        task.Expires = Expires ?? task.Expires;
    }

    private string? Text(JsonElement e, string name, int maxLength)
    {
        if (!e.TryGetProperty(name, out JsonElement value))
        {
            return null;
        }

        string? text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,

            // Celery sends reprs as text; another sender's raw JSON value is kept as its JSON text.
            _ => value.GetRawText(),
        };
        if (text is not null && text.Length > maxLength)
        {
            Truncated++;
        }

        return TextCut.Cut(text, maxLength);
    }

    /// <summary>A name the store indexes by: only a JSON string counts, so <c>"type": 42</c> is no type at all.</summary>
    private static string? Identifier(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static double? Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double number) ? number : null;

    private static int? Integer(JsonElement e, string name) =>
        Number(e, name) is { } number && number is >= int.MinValue and <= int.MaxValue ? (int)number : null;

    private static double[]? Loads(JsonElement e)
    {
        if (!e.TryGetProperty("loadavg", out JsonElement value) || value.ValueKind != JsonValueKind.Array || value.GetArrayLength() > 3)
        {
            return null;
        }

        var loads = new double[value.GetArrayLength()];
        int i = 0;
        foreach (JsonElement item in value.EnumerateArray())
        {
            loads[i++] = item.ValueKind == JsonValueKind.Number && item.TryGetDouble(out double load) ? load : 0;
        }

        return loads;
    }
}
