using System;
using System.Globalization;
using System.IO;
using System.Linq;

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>A process's memory as Linux reports it under <c>/proc</c>.</summary>
internal static class ProcessMemory
{
    /// <summary>A field of a <c>/proc/PID</c> file in megabytes, such as <c>VmRSS:</c> of <c>status</c>; 0 when absent.</summary>
    public static double Megabytes(int pid, string file, string field)
    {
        string? line = File.ReadAllLines($"/proc/{pid}/{file}").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }
}
