using System;
using System.IO;

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>The repository the harness runs from, for the broker script and the sample worker it starts.</summary>
internal static class Repository
{
    /// <summary>The folder holding <c>TaskGen.sln</c>, found by walking up from the harness's own folder.</summary>
    public static string Root()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TaskGen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("TaskGen.sln not found above the harness: run it from the repository (or pass --broker URL, when only the broker is missing).");
    }
}
