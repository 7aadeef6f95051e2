using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using TaskGen.Protocol;
using TaskGen.Worker;

namespace TaskGen.Tests.Worker;

/// <summary>
/// The argument rules generated dispatch delegates to, on a task wider than the 64 parameters the
/// reader tracks in one word: past that it keeps its own array, with the same errors.
/// </summary>
public sealed class TaskArgumentReaderTests
{
    private static readonly string[] s_names = Enumerable.Range(0, 70).Select(i => "p" + i).ToArray();

    [Fact]
    public void ReadBeyondSixtyFourParametersReadsPositionalAndKeywordValues()
    {
        string args = "[" + string.Join(",", Enumerable.Range(0, 65)) + "]";
        int[] values = TaskArgumentReader.Read(Create(args, "{\"p69\": 690, \"p66\": 660}"), "wide", s_names, 65, new int[70], Set);

        Assert.Equal(64, values[64]);
        Assert.Equal(660, values[66]);
        Assert.Equal(690, values[69]);
        Assert.Equal(0, values[67]);
    }

    [Fact]
    public void ReadBeyondSixtyFourParametersAKeywordAlsoSentByPositionIsADuplicate()
    {
        string args = "[" + string.Join(",", Enumerable.Range(0, 66)) + "]";

        TaskArgumentException error = Assert.Throws<TaskArgumentException>(() => TaskArgumentReader.Read(Create(args, "{\"p65\": 1}"), "wide", s_names, 65, new int[70], Set));

        Assert.Equal("p65", error.Argument);
        Assert.Contains("multiple values", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadBeyondSixtyFourParametersAMissingRequiredArgumentIsNamed()
    {
        string args = "[" + string.Join(",", Enumerable.Range(0, 64)) + "]";

        TaskArgumentException error = Assert.Throws<TaskArgumentException>(() => TaskArgumentReader.Read(Create(args, "{}"), "wide", s_names, 65, new int[70], Set));

        Assert.Equal("p64", error.Argument);
        Assert.Contains("missing required argument", error.Message, StringComparison.Ordinal);
    }

    private static void Set(ref Utf8JsonReader json, int index, ref int[] values) => values[index] = json.GetInt32();

    private static TaskInvocation Create(string args, string kwargs)
    {
        var request = new TaskRequest
        {
            Id = "9a7c2e1b-3f4d-4b5a-8c6d-7e8f9a0b1c2d",
            Name = "wide",
            Args = Encoding.UTF8.GetBytes(args),
            Kwargs = Encoding.UTF8.GetBytes(kwargs),
            Headers = new Dictionary<string, object?>(),
        };
        return new TaskInvocation(request, new TaskContext(request.Id, request.Name, "celery@test"), CancellationToken.None);
    }
}
