using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Benchmarks.Worker;
using TaskGen.Fuzzing;
using TaskGen.Protocol;
using TaskGen.Transport;
using TaskGen.Worker;
using Remote = TaskGen.Benchmarks.Tasks.Remote;

namespace TaskGen.Benchmarks.Fuzz;

/// <summary>
/// The long decoder fuzz run: hostile messages from the shared generator through what a worker does with a
/// delivery before and during the task (decode, then the generated dispatch with its argument readers),
/// counting exceptions that escape the kinds a worker handles, and the peak memory.
/// </summary>
public static class DecoderFuzzRun
{
    /// <summary>Runs the fuzz loop and prints its figures; returns 1 when any exception escaped.</summary>
    /// <param name="args">Optionally the number of inputs (default 1,000,000) and the seed.</param>
    public static int Run(string[] args)
    {
        int inputs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        int seed = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_261_124;
        TaskModule module = TaskGen.Generated.TaskGenBenchmarksTaskModule.Instance;
        var fuzzer = new TaskMessageFuzzer(Seeds(), seed);
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (TaskDefinition task in module.Tasks)
        {
            known.Add(task.Name);
        }

        long malformed = 0, unknown = 0, badArguments = 0, taskFailed = 0, succeeded = 0, escaped = 0;
        long peak = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < inputs; i++)
        {
            TransportMessage message = fuzzer.Next();
            try
            {
                TaskRequest request = TaskMessageCodec.Decode(message);
                if (!known.Contains(request.Name))
                {
                    unknown++;
                    continue;
                }

                var context = new TaskContext(request.Id, request.Name, TaskMessages.NodeName) { CancellationToken = CancellationToken.None };
                var invocation = new TaskInvocation(request, context, CancellationToken.None);
                ValueTask dispatched = module.DispatchAsync(invocation);
                if (!dispatched.IsCompletedSuccessfully)
                {
                    dispatched.AsTask().GetAwaiter().GetResult();
                }

                succeeded++;
            }
            catch (MalformedMessageException)
            {
                malformed++;
            }
            catch (TaskArgumentException)
            {
                badArguments++;
            }
            catch (Exception ex) when (ex.TargetSite?.DeclaringType == typeof(Tasks.Arithmetic))
            {
                // Thrown by the task's own code (Scale given a JSON null list): the worker reports it as the
                // task's failure, so it does not escape; counted apart because the argument reader let it through.
                taskFailed++;
            }
            catch (Exception ex)
            {
                // Anything else would escape the worker's decode/dispatch handling.
                if (escaped++ < 10)
                {
                    Console.Error.WriteLine($"Escaped at input {i}: {ex}");
                }
            }

            if ((i & 0xFFF) == 0)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
            }
        }

        clock.Stop();
        long afterFullGc = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"Decoder fuzz: {inputs:N0} inputs, seed {seed}, {clock.Elapsed.TotalSeconds:0.0} s, {inputs / clock.Elapsed.TotalSeconds:N0} inputs/s");
        Console.WriteLine($"  malformed (rejected) {malformed:N0}, unknown task {unknown:N0}, bad arguments {badArguments:N0}, thrown by the task's own code {taskFailed:N0}, ran {succeeded:N0}");
        Console.WriteLine($"  exceptions escaped: {escaped}");
        Console.WriteLine($"  managed heap: peak sampled {peak / (1024.0 * 1024):0.0} MiB, after full GC {afterFullGc / (1024.0 * 1024):0.0} MiB; process peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024):0.0} MiB");
        return escaped == 0 ? 0 : 1;
    }

    private static List<TransportMessage> Seeds()
    {
        Signature[] calls =
        [
            Remote.Arithmetic.Add.Signature(2, 3),
            Remote.Arithmetic.Greet.Signature("Hello", "Ada"),
            Remote.Arithmetic.Scale.Signature([1.5, 2.5], 2.0),
            Remote.Arithmetic.MultiplyAsync.Signature(6, 7),
        ];
        var seeds = new List<TransportMessage>(calls.Length);
        foreach (Signature call in calls)
        {
            seeds.Add(TaskMessages.AsDelivered(TaskMessages.Envelope(call, Guid.NewGuid().ToString(), "fuzz.replies")));
        }

        return seeds;
    }
}
