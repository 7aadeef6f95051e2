using System.IO;
using System.Text;
using System.Text.Json;
using TaskGen.Serialization;

namespace TaskGen.Tests.Serialization;

/// <summary>
/// <see cref="TaskArguments.Of{TValues}"/> is what generated stubs call: the values it holds must reach the
/// <c>args</c> array in order, inside the brackets the runtime writes.
/// </summary>
public sealed class TaskArgumentsTests
{
    [Fact]
    public void OfWritesTheValuesThroughTheWriterAsOnePositionalArray()
    {
        TaskArguments arguments = TaskArguments.Of((2.5, "x"), static (writer, args) =>
        {
            TaskJson.WriteDouble(writer, args.Item1);
            TaskJson.WriteString(writer, args.Item2);
        });

        Assert.Equal("[2.5,\"x\"]", Write(arguments.WriteArgs));
        Assert.Equal("{}", Write(arguments.WriteKwargs));
    }

    private static string Write(System.Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
