using System;
using System.Collections.Generic;
using System.Text;
using TaskGen.Monitor.State;

namespace TaskGen.Monitor.Tests.State;

/// <summary>
/// Anyone who can publish to celeryev writes the events, so the store is fed a seeded stream of valid, mutated and
/// made-up events: it never throws, every message is either taken or counted as dropped, and memory stays within its caps.
/// </summary>
public sealed class EventFuzzTests
{
    private static readonly string[] s_valid =
    [
        """{"type":"task-received","hostname":"w@a","uuid":"t1","name":"calc.add","args":"(1, 2)","kwargs":"{}","parent_id":"p1","root_id":"p1","group":"g","group_index":0,"retries":0,"timestamp":1.5}""",
        """{"type":"task-succeeded","hostname":"w@a","uuid":"t1","result":"3","runtime":0.01,"timestamp":2.5}""",
        """{"type":"task-failed","hostname":"w@a","uuid":"t2","exception":"ValueError('x')","traceback":"Traceback","timestamp":3.5}""",
        """{"type":"worker-heartbeat","hostname":"w@a","freq":2.0,"active":1,"processed":5,"loadavg":[0.1,0.2,0.3],"sw_ident":"TaskGen"}""",
        """[{"type":"task-started","hostname":"w@a","uuid":"t3"},{"type":"task-revoked","hostname":"w@a","uuid":"t3"}]""",
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void MutatedAndMadeUpEventsNeverBreakTheStoreOrItsBounds(int seed)
    {
        var random = new Random(seed);
        var store = new MonitorStore(new MonitorOptions { MaxTasks = 200, MaxWorkers = 20, MaxFieldLength = 256, MaxEventBytes = 4_096, MaxEventsPerSecond = int.MaxValue });
        int messages = 0;
        for (int i = 0; i < 20_000; i++)
        {
            byte[] body = random.Next(4) switch
            {
                0 => Mutate(random, Encoding.UTF8.GetBytes(s_valid[random.Next(s_valid.Length)])),
                1 => MadeUp(random),
                2 => Encoding.UTF8.GetBytes(s_valid[random.Next(s_valid.Length)].Replace("t1", "t" + random.Next(1_000), StringComparison.Ordinal).Replace("w@a", "w" + random.Next(100) + "@a", StringComparison.Ordinal)),
                _ => RandomBytes(random),
            };
            store.Ingest(body, random.Next(2) == 0 ? null : "task.received");
            messages++;
        }

        long dropped = 0;
        foreach (long count in store.Dropped.Values)
        {
            dropped += count;
        }

        Assert.Equal(20_000, messages);
        Assert.True(store.EventsReceived + dropped >= messages / 2, $"received {store.EventsReceived}, dropped {dropped}: most messages are neither");
        Assert.InRange(store.TaskCount, 1, 200);
        Assert.InRange(store.Workers().Count, 1, 20);
        Assert.InRange(store.OrphanCount, 0, 200);
        Assert.InRange(store.TaskTypes().Count, 0, 10_000);

        // Every kept task reads back whole, and its text fields respect the cut.
        foreach (TaskRecord task in store.Query(new TaskQuery()).Tasks)
        {
            Assert.True((task.Args?.Length ?? 0) <= 256 && (task.Traceback?.Length ?? 0) <= 256, task.Id);
            Assert.True(task.Timeline.Count <= TaskRecord.MaxTimeline);
        }
    }

    private static byte[] Mutate(Random random, byte[] body)
    {
        int edits = random.Next(1, 6);
        for (int i = 0; i < edits && body.Length > 0; i++)
        {
            body[random.Next(body.Length)] = (byte)random.Next(256);
        }

        return body;
    }

    private static byte[] MadeUp(Random random)
    {
        var fields = new List<string>
        {
            $"\"type\":{Value(random, "task-" + random.Next(10))}",
            $"\"hostname\":{Value(random, "<b>h" + random.Next(50) + "</b>")}",
            $"\"uuid\":{Value(random, "u" + random.Next(5_000))}",
            $"\"name\":{Value(random, "<script>n" + random.Next(20_000) + "</script>")}",
            $"\"args\":{Value(random, new string('x', random.Next(2_000)))}",
            $"\"parent_id\":{Value(random, "p" + random.Next(10_000))}",
            $"\"timestamp\":{Value(random, "1e308")}",
            $"\"loadavg\":{Value(random, "[1,2,3,4,5]")}",
        };
        return Encoding.UTF8.GetBytes("{" + string.Join(",", fields) + "}");
    }

    private static string Value(Random random, string text) => random.Next(6) switch
    {
        0 => "null",
        1 => random.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        2 => "[" + new string('[', random.Next(40)) + new string(']', random.Next(40)) + "]",
        3 => "{\"nested\":{\"deep\":true}}",
        4 => "-1.7976931348623157E+309",
        _ => "\"" + text.Replace("\"", "'", StringComparison.Ordinal) + "\"",
    };

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 300)];
        random.NextBytes(bytes);
        return bytes;
    }
}
