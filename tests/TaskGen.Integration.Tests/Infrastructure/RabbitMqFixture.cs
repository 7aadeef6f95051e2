using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Transport;

namespace TaskGen.Integration.Tests;

/// <summary>
/// A private RabbitMQ node for the whole suite: started by <c>tests/broker/rabbitmq-node.sh</c> on free
/// loopback ports in a temporary directory (or taken from <c>TASKGEN_TEST_BROKER_URL</c>), and stopped
/// afterwards. When no broker can be had the tests fail; they never skip.
/// </summary>
public sealed class RabbitMqFixture : IAsyncLifetime
{
    /// <summary>The exchange and queue that receive what workers reject, through the policy the node script sets.</summary>
    public const string DeadLetters = "taskgen.dead";

    private string? _nodeDirectory;
    private bool _ownsNode;

    /// <summary>The broker URL, <c>amqp://guest:guest@127.0.0.1:port/</c>.</summary>
    public string Url { get; private set; } = string.Empty;

    /// <summary>
    /// The node's TLS listener, <c>amqps://guest:guest@localhost:port/</c>; its certificate names <c>localhost</c>
    /// only and is issued by <see cref="TlsCaCertificate"/>.
    /// </summary>
    public string TlsUrl => File.ReadAllText(NodeFile("amqps-url")).Trim();

    /// <summary>The PEM file of the private CA that issued the TLS listener's certificate.</summary>
    public string TlsCaCertificate => NodeFile("ca.pem");

    /// <summary>The repository root, found from the test binaries.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The build configuration the tests run in (Debug or Release), so worker programs match.</summary>
    public static string Configuration { get; } = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        string? given = Environment.GetEnvironmentVariable("TASKGEN_TEST_BROKER_URL");
        if (!string.IsNullOrWhiteSpace(given))
        {
            Url = given;
            _nodeDirectory = Environment.GetEnvironmentVariable("TASKGEN_TEST_BROKER_DIR");
        }
        else
        {
            _ownsNode = true;
            _nodeDirectory = Path.Combine(Path.GetTempPath(), "taskgen-rabbitmq-" + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(_nodeDirectory);
            (int code, string output) = await RunScriptAsync("start", _nodeDirectory);
            if (code != 0)
            {
                throw new InvalidOperationException($"The test broker did not start (exit {code}); integration tests need RabbitMQ:\n{output}");
            }

            Url = (await File.ReadAllTextAsync(Path.Combine(_nodeDirectory, "url"))).Trim();
        }

        await using TaskApp app = TaskApp.Create(b => b.Options.BrokerUrl = Url);
        await TaskQueueTopology.DeclareDeadLetterQueueAsync(app.Transport, DeadLetters, CancellationToken.None);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_ownsNode && _nodeDirectory is not null)
        {
            await RunScriptAsync("stop", _nodeDirectory);
            try
            {
                Directory.Delete(_nodeDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Runs <c>rabbitmqctl</c> against the node, for tests that act on the broker itself.</summary>
    /// <param name="arguments">The rabbitmqctl arguments.</param>
    /// <exception cref="InvalidOperationException">The node's directory is unknown (a broker given only by URL) or the command failed.</exception>
    public async Task<string> CtlAsync(params string[] arguments)
    {
        string directory = _nodeDirectory ?? throw new InvalidOperationException("rabbitmqctl needs the node's directory: set TASKGEN_TEST_BROKER_DIR beside TASKGEN_TEST_BROKER_URL.");
        (int code, string output) = await RunScriptAsync(["ctl", directory, .. arguments]);
        return code == 0 ? output : throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', arguments)} failed (exit {code}):\n{output}");
    }

    /// <summary>
    /// An Erlang fun, <c>IsOwn</c>, that tells whether a connection name is <c>Name</c> or one of its connections:
    /// a process names its consuming and publishing connections <c>Name (consuming)</c> and <c>Name (publishing)</c>,
    /// and the space keeps process 12 from matching process 123.
    /// </summary>
    private const string OwnConnection =
        "Prefix = <<Name/binary, \" \">>, " +
        "IsOwn = fun({_, longstr, Value}) -> Value =:= Name orelse string:prefix(Value, Prefix) =/= nomatch; (_) -> false end,";

    /// <summary>
    /// Keeps every connection this test process opens closed, from the broker's side, for a while: each one
    /// found (TaskGen names a connection after its machine and process id) is closed within 50 ms, so client
    /// recovery cannot bring it back before the outage ends, while other processes' connections stay up.
    /// A connection still in its handshake reports its client properties as <c>none</c>; it is skipped here and
    /// caught on the next pass.
    /// </summary>
    /// <param name="duration">How long the outage lasts once the node has started it.</param>
    /// <returns>How many connections were closed during the outage.</returns>
    public async Task<int> KeepConnectionsOfThisProcessClosedAsync(TimeSpan duration)
    {
        string name = $"TaskGen {Environment.MachineName}:{Environment.ProcessId}";
        string program =
            $"Name = <<\"{name}\">>, {OwnConnection} Deadline = erlang:monotonic_time(millisecond) + {(long)duration.TotalMilliseconds}, " +
            "Kill = fun() -> length([rabbit_networking:close_connection(P, \"fault test: outage\") || P <- rabbit_networking:connections(), " +
            "case catch rabbit_networking:connection_info(P, [client_properties]) of " +
            "[{client_properties, Props}] when is_list(Props) -> IsOwn(lists:keyfind(<<\"connection_name\">>, 1, Props)); _ -> false end]) end, " +
            "Loop = fun Loop(N) -> K = N + Kill(), case erlang:monotonic_time(millisecond) < Deadline of true -> timer:sleep(50), Loop(K); false -> K end end, " +
            "Loop(0).";
        string output = await CtlAsync("eval", program);
        return int.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>How many lines of the node's own log (warnings and errors) contain <paramref name="text"/>, so a test can count what the broker complained of while it ran.</summary>
    /// <param name="text">The text to look for, such as <c>unknown delivery tag</c>.</param>
    public int CountLogLines(string text)
    {
        string directory = Path.Combine(_nodeDirectory ?? throw new InvalidOperationException("The node's log needs its directory: set TASKGEN_TEST_BROKER_DIR beside TASKGEN_TEST_BROKER_URL."), "log");
        return Directory.GetFiles(directory, "*.log")
            .Where(file => !file.EndsWith("startup.log", StringComparison.Ordinal))
            .Sum(file =>
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var reader = new StreamReader(stream);
                int count = 0;
                while (reader.ReadLine() is { } line)
                {
                    count += line.Contains(text, StringComparison.Ordinal) ? 1 : 0;
                }

                return count;
            });
    }

    /// <summary>Closes, from the broker's side, every connection of another process (TaskGen names each after its machine and process id).</summary>
    /// <param name="processId">The process whose connections close.</param>
    /// <returns>How many connections were closed.</returns>
    public Task<int> CloseConnectionsOfProcessAsync(int processId) => CloseConnectionsNamedAsync($"TaskGen {Environment.MachineName}:{processId}");

    /// <summary>
    /// Closes, from the broker's side, every connection of a transport created with client name <paramref name="name"/>
    /// (its consuming, publishing and results connections), for tests that run several transports in one process.
    /// </summary>
    /// <param name="name">The transport's client name.</param>
    /// <returns>How many connections were closed.</returns>
    public async Task<int> CloseConnectionsNamedAsync(string name)
    {
        string program =
            $"Name = <<\"{name}\">>, {OwnConnection} " +
            "length([rabbit_networking:close_connection(P, \"fault test: connection closed\") || P <- rabbit_networking:connections(), " +
            "case catch rabbit_networking:connection_info(P, [client_properties]) of " +
            "[{client_properties, Props}] when is_list(Props) -> IsOwn(lists:keyfind(<<\"connection_name\">>, 1, Props)); _ -> false end]).";
        string output = await CtlAsync("eval", program);
        return int.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The path of a worker program's built assembly, in the configuration the tests run in.</summary>
    /// <param name="projectDirectory">The project folder relative to the repository root.</param>
    /// <param name="assemblyName">The assembly name.</param>
    public static string ProgramPath(string projectDirectory, string assemblyName) =>
        Path.Combine(RepositoryRoot, projectDirectory, "bin", Configuration, "net10.0", assemblyName + ".dll");

    private string NodeFile(string name)
    {
        string directory = _nodeDirectory ?? throw new InvalidOperationException($"The node's {name} needs its directory: set TASKGEN_TEST_BROKER_DIR beside TASKGEN_TEST_BROKER_URL.");
        string path = Path.Combine(directory, name);
        return File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing: tests/broker/rabbitmq-node.sh start writes it; restart the node with the current script.");
    }

    private static async Task<(int Code, string Output)> RunScriptAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot, "tests", "broker", "rabbitmq-node.sh"));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string FindRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TaskGen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("TaskGen.sln was not found above the test binaries.");
    }
}

/// <summary>Every integration test shares one broker and runs one at a time: they start worker processes.</summary>
[CollectionDefinition(Name)]
public sealed class RabbitMqCollection : ICollectionFixture<RabbitMqFixture>
{
    /// <summary>The collection name.</summary>
    public const string Name = "RabbitMQ";
}
