using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>
/// <c>rabbitmqctl</c> against a node made by <c>tests/broker/rabbitmq-node.sh</c>, with its output, and that node's
/// own log, for a workload that acts on the broker itself.
/// </summary>
internal sealed class NodeControl(string directory)
{
    /// <summary>Runs <c>rabbitmqctl eval</c> with an Erlang expression and returns what it printed.</summary>
    /// <exception cref="InvalidOperationException">rabbitmqctl failed.</exception>
    public Task<string> EvalAsync(string expression) => CtlAsync("eval", expression);

    /// <summary>Messages in <paramref name="queue"/>, ready and unacknowledged together; 0 when it does not exist.</summary>
    public async Task<int> QueueMessagesAsync(string queue)
    {
        string output = await CtlAsync("list_queues", "-q", "--no-table-headers", "name", "messages");
        return output.Split('\n')
            .Select(line => line.Split('\t', ' '))
            .Where(fields => fields.Length >= 2 && fields[0] == queue)
            .Select(fields => int.Parse(fields[^1], CultureInfo.InvariantCulture))
            .FirstOrDefault();
    }

    /// <summary>Lines of the node's own log (not its start-up log) that contain <paramref name="text"/>.</summary>
    public int CountLogLines(string text)
    {
        string logs = Path.Combine(directory, "log");
        return !Directory.Exists(logs) ? 0 : Directory.GetFiles(logs, "*.log")
            .Where(file => !file.EndsWith("startup.log", StringComparison.Ordinal))
            .Sum(file =>
            {
                using var reader = new StreamReader(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
                int count = 0;
                while (reader.ReadLine() is { } line)
                {
                    count += line.Contains(text, StringComparison.OrdinalIgnoreCase) ? 1 : 0;
                }

                return count;
            });
    }

    private async Task<string> CtlAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add(Path.Combine(Repository.Root(), "tests", "broker", "rabbitmq-node.sh"));
        start.ArgumentList.Add("ctl");
        start.ArgumentList.Add(directory);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        string output = await stdout;
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"rabbitmqctl {arguments[0]} failed (exit {process.ExitCode}):\n{output}{await stderr}");
    }
}
