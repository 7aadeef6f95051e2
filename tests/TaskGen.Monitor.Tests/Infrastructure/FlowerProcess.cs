using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using TaskGen.Integration.Tests;
using TaskGen.Interop.Tests;

namespace TaskGen.Monitor.Tests;

/// <summary>
/// Flower 2.1, the monitor Celery users run, started from its unmodified sources beside the repository on a free
/// loopback port against a broker, so a test can put TaskGen's monitor beside it and compare their answers.
/// </summary>
public sealed partial class FlowerProcess : IAsyncDisposable
{
    /// <summary>Where Flower 2.1's sources are: <c>../shared/third_party/flower-2.1</c> beside the repository.</summary>
    public static readonly string Sources = Path.GetFullPath(Path.Combine(RabbitMqFixture.RepositoryRoot, "..", "shared", "third_party", "flower-2.1"));

    private readonly ProgramProcess _process;
    private readonly string _workingDirectory;

    private FlowerProcess(ProgramProcess process, string workingDirectory, Uri baseAddress)
    {
        _process = process;
        _workingDirectory = workingDirectory;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = ProgramProcess.Guard };
    }

    /// <summary>Flower's address, <c>http://127.0.0.1:port/</c> (with the URL prefix when one was given).</summary>
    public Uri BaseAddress { get; }

    /// <summary>A client for Flower's address; requests take paths relative to it, such as <c>api/workers</c>.</summary>
    public HttpClient Http { get; }

    /// <summary>Everything Flower wrote (its log goes to stderr), for failure messages.</summary>
    public IReadOnlyList<string> Output => _process.Lines;

    /// <summary>Why Flower cannot run here (its sources or Celery 5.6's are missing), or null when it can; a missing Debian module shows in its output when it exits at start.</summary>
    public static string? Missing()
    {
        if (!Directory.Exists(Path.Combine(Sources, "flower")))
        {
            return $"Flower 2.1's sources are not at {Sources}.";
        }

        return Python.Missing(Python.Celery56);
    }

    /// <summary>
    /// Starts Flower on <paramref name="brokerUrl"/> and waits until <c>/healthcheck</c> answers. Its API answers
    /// without credentials (<c>FLOWER_UNAUTHENTICATED_API=true</c>) unless <paramref name="unauthenticatedApi"/> is false.
    /// </summary>
    /// <param name="brokerUrl">The broker whose events Flower reads.</param>
    /// <param name="arguments">More Flower options, such as <c>--basic_auth=user:pass</c>, <c>--url_prefix=p</c> or <c>--max_tasks=10</c>.</param>
    /// <param name="resultBackend">The result backend <c>/api/task/result</c> reads, or null for none (it then answers 503).</param>
    /// <param name="unauthenticatedApi">Whether the API answers without credentials when no authentication is configured.</param>
    /// <exception cref="InvalidOperationException">Flower cannot run here (<see cref="Missing"/>).</exception>
    /// <exception cref="TimeoutException">Flower exited or did not answer within <see cref="ProgramProcess.Guard"/>; the message holds its output.</exception>
    public static async Task<FlowerProcess> StartAsync(string brokerUrl, IEnumerable<string>? arguments = null, string? resultBackend = null, bool unauthenticatedApi = true)
    {
        if (Missing() is { } missing)
        {
            throw new InvalidOperationException(missing);
        }

        string[] extra = arguments?.ToArray() ?? [];
        // Flower's own modules first, then Celery 5.6's (Debian's 5.2 is too old for Flower 2.1).
        Dictionary<string, string> environment = Python.Variables(Python.Celery56, brokerUrl);
        environment["PYTHONPATH"] = Sources + Path.PathSeparator + environment["PYTHONPATH"];
        environment["FLOWER_UNAUTHENTICATED_API"] = unauthenticatedApi ? "true" : "false";

        // Celery's options go before the flower command, Flower's after it. Port 0 lets the system choose a free port,
        // which Flower's banner then names, so two runs never race for one port.
        List<string> command = ["-m", "flower", "--broker=" + brokerUrl];
        if (resultBackend is not null)
        {
            command.Add("--result-backend=" + resultBackend);
        }

        command.AddRange(["flower", "--port=0", "--address=127.0.0.1", .. extra]);

        // A directory of its own, so no flowerconfig.py or state file of another run is read or written.
        string workingDirectory = Path.Combine(Path.GetTempPath(), "taskgen-flower-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(workingDirectory);
        ProgramProcess process = ProgramProcess.StartExecutable(Python.Executable, command, environment, workingDirectory);
        try
        {
            string banner = await process.WaitForLineAsync(line => BannerPattern().IsMatch(line), "Flower to say where it listens");
            Match match = BannerPattern().Match(banner);
            string prefix = match.Groups["prefix"].Value.Trim('/');
            var baseAddress = new Uri($"http://127.0.0.1:{match.Groups["port"].Value}/{(prefix.Length > 0 ? prefix + "/" : string.Empty)}");
            var flower = new FlowerProcess(process, workingDirectory, baseAddress);
            await flower.WaitUntilHealthyAsync();
            return flower;
        }
        catch
        {
            await process.DisposeAsync();
            TryDelete(workingDirectory);
            throw;
        }
    }

    /// <summary>Asks Flower for <paramref name="pathAndQuery"/> (relative, such as <c>api/tasks?limit=2</c>) and parses the JSON it answers, failing with its output when the status is not 200.</summary>
    /// <param name="pathAndQuery">The path relative to <see cref="BaseAddress"/>.</param>
    public async Task<JsonElement> GetJsonAsync(string pathAndQuery)
    {
        using HttpResponseMessage response = await Http.GetAsync(new Uri(pathAndQuery, UriKind.Relative));
        string body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"Flower answered {(int)response.StatusCode} to {pathAndQuery}: {body}\nIts output:\n{string.Join("\n", Output.TakeLast(40))}");
        }

        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Asks Flower for <paramref name="pathAndQuery"/> (relative) and returns the status and body as they are, for tests of error answers.</summary>
    /// <param name="pathAndQuery">The path relative to <see cref="BaseAddress"/>.</param>
    public async Task<(HttpStatusCode Status, string Body)> GetAsync(string pathAndQuery)
    {
        using HttpResponseMessage response = await Http.GetAsync(new Uri(pathAndQuery, UriKind.Relative));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Asks <c>/api/task/info/ID</c> until Flower knows the task in <paramref name="state"/> (it answers 404 until an event names the task), and returns the task.</summary>
    /// <param name="taskId">The task's id.</param>
    /// <param name="state">The state waited for, such as <c>SUCCESS</c>.</param>
    public Task<JsonElement> WaitForTaskAsync(string taskId, string state) =>
        Poll.UntilAsync(
            async () =>
            {
                (HttpStatusCode status, string body) = await GetAsync("api/task/info/" + Uri.EscapeDataString(taskId));
                return status == HttpStatusCode.OK ? JsonDocument.Parse(body).RootElement.Clone() : default;
            },
            task => task.ValueKind == JsonValueKind.Object && task.GetProperty("state").GetString() == state,
            $"Flower to show task {taskId} in state {state}",
            TimeSpan.FromMilliseconds(200));

    /// <summary>
    /// Asks <c>/api/workers?refresh=1</c> until <paramref name="worker"/>'s entry holds its <c>stats</c> and <c>registered</c>
    /// replies, and returns the entry. Flower lists only workers that answered its inspect requests, never one it saw only
    /// in events, so a worker started after Flower needs the refresh.
    /// </summary>
    /// <param name="worker">The worker's node name, such as <c>py56@host</c>.</param>
    public Task<JsonElement> WaitForWorkerAsync(string worker) =>
        Poll.UntilAsync(
            async () => (await GetJsonAsync("api/workers?refresh=1")).TryGetProperty(worker, out JsonElement entry) ? entry : default,
            entry => entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("stats", out _) && entry.TryGetProperty("registered", out _),
            $"Flower to list worker {worker}",
            TimeSpan.FromMilliseconds(500));

    /// <summary>Stops Flower (SIGTERM, then a kill if it lingers) and removes its working directory.</summary>
    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _process.DisposeAsync();
        TryDelete(_workingDirectory);
    }

    private async Task WaitUntilHealthyAsync()
    {
        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    if (_process.HasExited)
                    {
                        return "exited";
                    }

                    try
                    {
                        using HttpResponseMessage response = await Http.GetAsync(new Uri("healthcheck", UriKind.Relative));
                        return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                    }
                    catch (HttpRequestException ex)
                    {
                        return ex.Message;
                    }
                },
                answer => answer is "200 OK" or "exited",
                "Flower's /healthcheck to answer");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\nFlower's output:\n{string.Join("\n", Output)}", ex);
        }

        if (_process.HasExited)
        {
            throw new TimeoutException($"Flower exited before it answered /healthcheck. Its output:\n{string.Join("\n", Output)}");
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    // "[I 261207 19:29:57 command:169] Visit me at http://127.0.0.1:5556" (or ".../prefix/").
    [GeneratedRegex(@"Visit me at http://127\.0\.0\.1:(?<port>\d+)(?<prefix>/\S*)?")]
    private static partial Regex BannerPattern();
}
