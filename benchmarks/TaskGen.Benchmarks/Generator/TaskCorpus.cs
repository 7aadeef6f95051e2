using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace TaskGen.Benchmarks.Generator;

/// <summary>
/// Writes the sources of a large task assembly: <c>classCount × tasksPerClass</c> <c>[Task]</c> methods,
/// one class per file, with parameter and result types drawn in turn from everything the generator
/// serializes itself (primitives, strings, decimals, GUIDs, dates, enums, nullables, collections), plus
/// cancellation tokens, task contexts, asynchronous results and a second queue.
/// </summary>
public static class TaskCorpus
{
    /// <summary>The file that holds the assembly attributes and the shared enum.</summary>
    public const string SharedFileName = "Shared.cs";

    // (type, a C# expression of that type built from the parameter named p)
    private static readonly (string Type, string Sample)[] s_parameterTypes =
    [
        ("int", "p + 1"),
        ("long", "p * 2"),
        ("double", "p / 2.0"),
        ("string", "p + \"!\""),
        ("bool", "!p"),
        ("decimal", "p + 1m"),
        ("global::System.Guid", "p"),
        ("global::System.DateTime", "p.AddDays(1)"),
        ("global::System.DateTimeOffset", "p.AddHours(1)"),
        ("global::System.TimeSpan", "p + p"),
        ("Colour", "p"),
        ("int?", "p ?? 0"),
        ("float", "p * 3f"),
        ("global::System.Collections.Generic.List<int>", "p.Count"),
        ("string[]", "p.Length"),
        ("global::System.Collections.Generic.Dictionary<string, double>", "p.Count"),
        ("byte[]", "p.Length"),
        ("global::System.DateOnly", "p.AddDays(1)"),
        ("short", "p"),
        ("char", "p"),
    ];

    /// <summary>The sources, keyed by file name, and the name of the file and the body to edit.</summary>
    /// <param name="classCount">How many classes.</param>
    /// <param name="tasksPerClass">How many tasks each class declares.</param>
    public static IReadOnlyList<(string Path, string Source)> Create(int classCount, int tasksPerClass)
    {
        var files = new List<(string, string)>(classCount + 1)
        {
            (SharedFileName, """
                using TaskGen;

                [assembly: TaskQueue("calc")]
                [assembly: TaskQueue("reports")]

                namespace Corpus;

                public enum Colour { Red, Green, Blue }
                """),
        };

        int typeIndex = 0;
        for (int c = 0; c < classCount; c++)
        {
            var source = new StringBuilder();
            source.AppendLine("using System.Threading;");
            source.AppendLine("using System.Threading.Tasks;");
            source.AppendLine("using TaskGen;");
            source.AppendLine();
            source.AppendLine(CultureInfo.InvariantCulture, $"namespace Corpus.Module{c / 10};");
            source.AppendLine();
            source.AppendLine(CultureInfo.InvariantCulture, $"public static class Tasks{c}");
            source.AppendLine("{");
            for (int t = 0; t < tasksPerClass; t++)
            {
                (string first, string firstSample) = s_parameterTypes[typeIndex++ % s_parameterTypes.Length];
                (string second, _) = s_parameterTypes[typeIndex++ % s_parameterTypes.Length];
                string attribute = (t % 5) switch
                {
                    0 => "[Task(Queue = \"calc\")]",
                    1 => "[Task(Queue = \"reports\")]",
                    _ => "[Task]",
                };
                string name = $"Run{t}";
                source.AppendLine(CultureInfo.InvariantCulture, $"    {attribute}");
                switch (t % 4)
                {
                    case 0:
                        source.AppendLine(CultureInfo.InvariantCulture, $"    public static {first} {name}({first} p, {second} q) => {BodyMarker(c, t)}{Identity(first, firstSample)};");
                        break;
                    case 1:
                        source.AppendLine(CultureInfo.InvariantCulture, $"    public static Task<{first}> {name}({first} p, {second} q, CancellationToken cancellationToken) => Task.FromResult({BodyMarker(c, t)}{Identity(first, firstSample)});");
                        break;
                    case 2:
                        source.AppendLine(CultureInfo.InvariantCulture, $"    public static void {name}({first} p, {second} q, TaskContext context) {{ _ = {BodyMarker(c, t)}context.Id; }}");
                        break;
                    default:
                        source.AppendLine(CultureInfo.InvariantCulture, $"    public static ValueTask<string> {name}({first} p, {second} q, int r = 3) => new({BodyMarker(c, t)}\"done\");");
                        break;
                }

                source.AppendLine();
            }

            source.AppendLine("}");
            files.Add(($"Tasks{c}.cs", source.ToString()));
        }

        return files;
    }

    /// <summary>The text that starts task <paramref name="task"/>'s body in class <paramref name="classIndex"/>, where the edit goes.</summary>
    /// <param name="classIndex">The class.</param>
    /// <param name="task">The task within it.</param>
    public static string BodyMarker(int classIndex, int task) => $"/*body {classIndex}.{task}*/ ";

    // Keeps every sample expression of the parameter's own type, so each task compiles.
    private static string Identity(string type, string sample) => type switch
    {
        "global::System.Collections.Generic.List<int>" or "string[]" or "global::System.Collections.Generic.Dictionary<string, double>" or "byte[]" => "p",
        "short" => "(short)(p + 1)",
        "char" => "p",
        _ => sample,
    };
}
