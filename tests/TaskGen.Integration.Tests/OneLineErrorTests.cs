using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace TaskGen.Integration.Tests;

/// <summary>
/// The ordinary mistakes of a first hour, each run as a real process: an undeclared queue after <c>-Q</c>, a broker that
/// is down (for the Calculator, the worker command and a hosted worker) and a hosted worker's undeclared queue. Each must
/// print one line that names the problem and the fix, never a stack trace, and exit with its documented code.
/// </summary>
public sealed class OneLineErrorTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    private static readonly string s_calculatorProgram = RabbitMqFixture.ProgramPath("samples/Calculator", "Calculator");

    [Fact]
    public async Task WorkerWithAnUndeclaredQueueIsOneUsageLineAndExit64()
    {
        await using ProgramProcess worker = ProgramProcess.Start(CeleryAppProgram, "worker", "-Q", "calk", "--broker", Broker.Url);
        await worker.WaitForExitAsync();

        Assert.Equal(64, worker.ExitCode);
        AssertOneLine(
            worker,
            "Queue 'calk' in worker -Q is not declared (did you mean 'calc'?): use broadcast_calc, calc, celery, or declare it with [assembly: TaskQueue(\"calk\")].");
    }

    [Fact]
    public async Task CallWithAnUndeclaredQueueIsOneUsageLineAndExit64()
    {
        await using ProgramProcess call = ProgramProcess.Start(CeleryAppProgram, "call", "CeleryApp.Tasks.Geometry.RectArea", "[2,2]", "-Q", "calk", "--broker", Broker.Url);
        await call.WaitForExitAsync();

        Assert.Equal(64, call.ExitCode);
        AssertOneLine(
            call,
            "Queue 'calk' in call -Q is not declared (did you mean 'calc'?): use broadcast_calc, calc, celery, or declare it with [assembly: TaskQueue(\"calk\")].");

        // Refused before anything reached the broker: no orphan queue was declared for the typo.
        Assert.Null(await App.Transport.InspectQueueAsync("calk", System.Threading.CancellationToken.None));
    }

    [Fact]
    public async Task CalculatorWithTheBrokerDownIsOneLineAndExit69()
    {
        int port = FreePort();
        await using ProgramProcess calculator = ProgramProcess.Start(s_calculatorProgram, "--broker", $"amqp://guest:s3cret@127.0.0.1:{port}//");
        await calculator.WaitForExitAsync();

        Assert.Equal(69, calculator.ExitCode);
        AssertOneLine(calculator, $"Cannot connect to RabbitMQ at amqp://guest:***@127.0.0.1:{port}//: Connection refused: start the broker, or set TaskGen:BrokerUrl to one that runs.");
    }

    [Fact]
    public async Task WorkerWithTheBrokerDownLogsEachRetryThenOneLineAndExits69()
    {
        int port = FreePort();
        await using ProgramProcess worker = ProgramProcess.Start(
            CeleryAppProgram,
            "worker",
            "--broker",
            $"amqp://guest:s3cret@127.0.0.1:{port}//",
            "--TaskGen:BrokerConnectionMaxRetries=2",
            "--TaskGen:BrokerConnectionRetryDelay=0.05");
        await worker.WaitForExitAsync();

        Assert.Equal(69, worker.ExitCode);
        AssertNoStackTrace(worker);
        string[] lines = ErrorLines(worker);
        Assert.True(lines.Length == 3, string.Join("\n", worker.Lines));
        string url = $"amqp://guest:***@127.0.0.1:{port}//";
        Assert.EndsWith($"WARNING/MainProcess] Cannot connect to RabbitMQ at {url}: Connection refused. Trying again in 0.05 seconds... (1/2)", lines[0], StringComparison.Ordinal);
        Assert.EndsWith($"WARNING/MainProcess] Cannot connect to RabbitMQ at {url}: Connection refused. Trying again in 0.10 seconds... (2/2)", lines[1], StringComparison.Ordinal);
        Assert.EndsWith(
            $"CRITICAL/MainProcess] The worker cannot start: Cannot connect to RabbitMQ at {url}: Connection refused; gave up after 2 retries: start the broker, "
            + "or set TaskGen:BrokerUrl to one that runs (TaskGen:BrokerConnectionMaxRetries sets how long to wait). Stopping the host with exit code 69.",
            lines[2],
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkerWithTheBrokerDownAndNoRetryIsOneLineAndExit69()
    {
        int port = FreePort();
        await using ProgramProcess worker = ProgramProcess.Start(
            CeleryAppProgram, "worker", "--broker", $"amqp://guest:s3cret@127.0.0.1:{port}//", "--TaskGen:BrokerConnectionRetryOnStartup=false");
        await worker.WaitForExitAsync();

        Assert.Equal(69, worker.ExitCode);
        string line = AssertOneLine(worker, "Stopping the host with exit code 69.");
        Assert.Contains($"The worker cannot start: Cannot connect to RabbitMQ at amqp://guest:***@127.0.0.1:{port}//: Connection refused: start the broker", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostedWorkerWithAnUndeclaredQueueFromConfigurationIsOneLineAndExit78()
    {
        int port = FreePort();
        await using ProgramProcess host = ProgramProcess.Start(
            WorkerProgram, "hosted", "named", $"--TaskGen:BrokerUrl=amqp://guest:s3cret@127.0.0.1:{port}//", "--TaskGen:Workers:w:Queues=celery,nope");
        await host.WaitForExitAsync();

        Assert.Equal(78, host.ExitCode);
        AssertOneHostedError(
            host,
            "Worker 'w' cannot start: TaskGen:Workers:w:Queues names queue 'nope', which no assembly declares: declare it with [assembly: TaskQueue(\"nope\")], "
            + "fix the name, or set TaskGen:TaskCreateMissingQueues to create it. Stopping the host with exit code 78.");
    }

    [Fact]
    public async Task AddTaskGenWorkerWithAnUndeclaredQueueIsOneLineAndExit78()
    {
        await using ProgramProcess host = ProgramProcess.Start(WorkerProgram, "hosted", "plain", $"--TaskGen:BrokerUrl={Broker.Url}", "--queues", "celery,nope");
        await host.WaitForExitAsync();

        Assert.Equal(78, host.ExitCode);
        AssertOneHostedError(
            host,
            "The worker cannot start: WorkerOptions.Queues names queue 'nope', which no assembly declares: declare it with [assembly: TaskQueue(\"nope\")], "
            + "fix the name, or set TaskGen:TaskCreateMissingQueues to create it. Stopping the host with exit code 78.");
    }

    [Fact]
    public async Task HostedWorkerWithTheBrokerDownIsOneLineAndExit69()
    {
        int port = FreePort();
        await using ProgramProcess host = ProgramProcess.Start(
            WorkerProgram, "hosted", "plain", $"--TaskGen:BrokerUrl=amqp://guest:s3cret@127.0.0.1:{port}//", "--TaskGen:BrokerConnectionRetryOnStartup=false");
        await host.WaitForExitAsync();

        Assert.Equal(69, host.ExitCode);
        AssertOneHostedError(
            host,
            $"The worker cannot start: Cannot connect to RabbitMQ at amqp://guest:***@127.0.0.1:{port}//: Connection refused: start the broker, or set TaskGen:BrokerUrl to one that runs. Stopping the host with exit code 69.");
    }

    [Fact]
    public async Task AWorkerStartedBeforeTheBrokerConsumesOnceTheBrokerComesUp()
    {
        // The node's app stops (its port closes) and comes back on the same port, as a broker container starting late does.
        await Broker.CtlAsync("stop_app");
        ProgramProcess worker;
        try
        {
            worker = ProgramProcess.Start(
                CeleryAppProgram,
                "worker",
                "-Q",
                "celery",
                "-n",
                "early@%h",
                "--broker",
                Broker.Url,
                "--loglevel",
                "info",
                "--TaskGen:BrokerConnectionRetryDelay=0.2",
                "--TaskGen:BrokerConnectionRetryMaxDelay=1");
            await worker.WaitForLineAsync(line => line.Contains("Trying again in 0.20 seconds... (1/100)", StringComparison.Ordinal), "the worker's first retry");
        }
        finally
        {
            await Broker.CtlAsync("start_app");
        }

        await using (worker)
        {
            await worker.WaitForLineAsync(line => line.Contains(" ready: queues celery", StringComparison.Ordinal), "the worker to be ready once the broker is up");
            Assert.Contains(worker.Lines, line => line.Contains("Connected to amqp://guest:***@", StringComparison.Ordinal) && line.Contains(" retries.", StringComparison.Ordinal));
            AssertNoStackTrace(worker);

            (int code, string output) = await ProgramProcess.RunAsync(CeleryAppProgram, "call", "CeleryApp.Tasks.Arithmetics.Add", "[20, 22]", "--broker", Broker.Url);
            Assert.True(code == 0, output);
            Assert.Equal("42", output.Trim());
        }
    }

    /// <summary>A loopback port nothing listens on: bound and released, so the next connection to it is refused.</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Asserts the program printed exactly one non-empty line, containing <paramref name="expected"/>, and returns it.</summary>
    private static string AssertOneLine(ProgramProcess program, string expected)
    {
        AssertNoStackTrace(program);
        string[] lines = ErrorLines(program);
        Assert.True(lines.Length == 1, $"Expected one line, got {lines.Length}:\n{string.Join("\n", lines)}");
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        return lines[0];
    }

    /// <summary>
    /// Asserts a Generic Host app logged one error (the console logger writes a level line, then the message indented
    /// beneath it) with <paramref name="expected"/> as its message, and no other warning or error.
    /// </summary>
    private static void AssertOneHostedError(ProgramProcess program, string expected)
    {
        AssertNoStackTrace(program);
        IReadOnlyList<string> lines = program.Lines;
        string[] problems = lines.Where(l => l.StartsWith("crit:", StringComparison.Ordinal) || l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("warn:", StringComparison.Ordinal)).ToArray();
        Assert.True(problems.Length == 1, $"Expected one logged error, got {problems.Length}:\n{string.Join("\n", lines)}");
        Assert.Single(lines, line => line.Trim() == expected);
    }

    /// <summary>
    /// The program's non-empty lines, less the worker command's banner (<c>Using broker ...</c>), which says which broker
    /// it tries before it tries it and is no part of the error.
    /// </summary>
    private static string[] ErrorLines(ProgramProcess program) =>
        program.Lines.Where(l => l.Trim().Length > 0 && !l.StartsWith("Using broker ", StringComparison.Ordinal)).ToArray();

    private static void AssertNoStackTrace(ProgramProcess program)
    {
        string output = string.Join("\n", program.Lines);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain("dead-letter", output, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", output, StringComparison.Ordinal);
    }
}
