using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace TaskGen.Generators.Tests;

/// <summary>
/// Approved-file snapshots, named as Verify names them: each generated file is compared with
/// <c>Snapshots/&lt;Test&gt;/&lt;HintName&gt;.verified.cs</c>; a difference writes <c>.received.cs</c> beside it and
/// fails. Run with <c>TASKGEN_ACCEPT=1</c> to accept the new output.
/// </summary>
internal static class SnapshotAssert
{
    public static void Matches(GeneratorDriverRunResult result, [CallerMemberName] string test = "", [CallerFilePath] string callerFile = "")
    {
        string directory = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots", test);
        bool accept = Environment.GetEnvironmentVariable("TASKGEN_ACCEPT") == "1";
        Directory.CreateDirectory(directory);

        var problems = new List<string>();
        var expectedFiles = new HashSet<string>(StringComparer.Ordinal);
        foreach (GeneratedSourceResult source in result.Results.SelectMany(r => r.GeneratedSources).OrderBy(s => s.HintName, StringComparer.Ordinal))
        {
            string stem = source.HintName.EndsWith(".cs", StringComparison.Ordinal) ? source.HintName[..^3] : source.HintName;
            string verified = Path.Combine(directory, stem + ".verified.cs");
            string received = Path.Combine(directory, stem + ".received.cs");
            expectedFiles.Add(Path.GetFileName(verified));
            string actual = Normalize(source.SourceText.ToString());
            string? approved = File.Exists(verified) ? Normalize(File.ReadAllText(verified)) : null;
            if (approved == actual)
            {
                File.Delete(received);
                continue;
            }

            if (accept)
            {
                File.WriteAllText(verified, actual);
                File.Delete(received);
                continue;
            }

            File.WriteAllText(received, actual);
            problems.Add(approved is null
                ? $"{stem}: no approved snapshot; see {Path.GetFileName(received)}"
                : $"{stem}: differs from the approved snapshot at line {FirstDifference(approved, actual)}; see {Path.GetFileName(received)}");
        }

        foreach (string stale in Directory.GetFiles(directory, "*.verified.cs").Select(f => Path.GetFileName(f)).Where(f => !expectedFiles.Contains(f)))
        {
            if (accept)
            {
                File.Delete(Path.Combine(directory, stale));
            }
            else
            {
                problems.Add($"{stale}: approved, but no longer generated");
            }
        }

        Assert.True(problems.Count == 0, $"Snapshot mismatch in {test} (set TASKGEN_ACCEPT=1 to accept):\n" + string.Join("\n", problems));
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimStart('\uFEFF');

    private static int FirstDifference(string expected, string actual)
    {
        string[] left = expected.Split('\n');
        string[] right = actual.Split('\n');
        for (int i = 0; i < Math.Min(left.Length, right.Length); i++)
        {
            if (left[i] != right[i])
            {
                return i + 1;
            }
        }

        return Math.Min(left.Length, right.Length) + 1;
    }
}
