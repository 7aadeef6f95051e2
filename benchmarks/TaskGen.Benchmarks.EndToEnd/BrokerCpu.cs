using System;
using System.Globalization;
using System.IO;

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>
/// The RabbitMQ node's own CPU time, read from <c>/proc/PID/stat</c> of its Erlang VM (the pid RabbitMQ writes to
/// its pid file), so that a contender's cost to the broker can be priced per task next to its throughput.
/// </summary>
internal static class BrokerCpu
{
    // USER_HZ: the unit of utime and stime; 100 on every Linux this runs on (getconf CLK_TCK).
    private const double TicksPerSecond = 100;

    /// <summary>The broker's Erlang VM process, or null when it is unknown (a broker given by URL without its node directory).</summary>
    public static int? Pid { get; set; }

    /// <summary>Reads the pid from a node directory made by <c>tests/broker/rabbitmq-node.sh</c>; null when it holds none.</summary>
    public static int? FromNodeDirectory(string? directory)
    {
        string? file = directory is null ? null : Path.Combine(directory, "rabbitmq.pid");
        return file is not null && File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : null;
    }

    /// <summary>The broker's user plus system CPU time so far in milliseconds, or null when it cannot be read.</summary>
    public static double? Milliseconds()
    {
        if (Pid is not { } pid)
        {
            return null;
        }

        try
        {
            // The command name may hold spaces, so fields are counted after its closing parenthesis:
            // state is field 3, utime field 14, stime field 15.
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return ticks * 1000 / TicksPerSecond;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
