using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;

namespace TaskGen.Monitor.Tests.Api;

/// <summary>
/// The standalone monitor on a real RabbitMQ (<c>TASKGEN_TEST_BROKER_URL</c>, from <c>tests/broker/rabbitmq-node.sh</c>)
/// beside a TaskGen worker process sending events: it sees the worker come online and a task succeed, and a revoke sent
/// through its API reaches the worker.
/// </summary>
public sealed class MonitorIntegrationTests
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task TheMonitorSeesAWorkerAndItsTaskAndARevokeReachesTheWorker()
    {
        string broker = Environment.GetEnvironmentVariable("TASKGEN_TEST_BROKER_URL") is { Length: > 0 } url
            ? url
            : throw new InvalidOperationException("TASKGEN_TEST_BROKER_URL is not set: start a private broker with tests/broker/rabbitmq-node.sh start DIR and export its URL.");
        using var stop = new CancellationTokenSource();
        var started = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new StringWriter();
        Task<int> monitor = TaskGenMonitor.RunAsync(
            ["--broker", broker, "--port=0", "--inspect_timeout=1000"],
            output,
            output,
            app => started.TrySetResult(app.Urls.First()),
            stop.Token);
        string node = "monitored-" + Guid.NewGuid().ToString("N")[..8] + "@" + Environment.MachineName;
        using WorkerProcess worker = WorkerProcess.Start(broker, node);
        try
        {
            string address = await started.Task.WaitAsync(s_guard);
            using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = s_guard };
            await worker.WaitForLineAsync(line => line.Contains(" ready: queues ", StringComparison.Ordinal), s_guard);

            // worker-online and heartbeats arrive as events.
            await PollAsync(http, "/api/workers?status=1", status => status.TryGetProperty(node, out JsonElement alive) && alive.GetBoolean(), "the worker online");

            string id = await SendAsync(http, "/api/task/send-task/CeleryApp.Tasks.Arithmetics.Add", """{"args": [2, 3]}""");
            JsonElement info = await PollAsync(http, "/api/task/info/" + id, task => task.GetProperty("state").GetString() == "SUCCESS", "the task's SUCCESS");
            Assert.Equal(("CeleryApp.Tasks.Arithmetics.Add", node, "5"), (info.GetProperty("name").GetString(), info.GetProperty("worker").GetString(), info.GetProperty("result").GetString()));
            JsonElement listed = (await GetJsonAsync(http, "/api/tasks?state=SUCCESS&workername=" + Uri.EscapeDataString(node))).GetProperty(id);
            Assert.Equal(node, listed.GetProperty("worker").GetString());

            // The inspect replies, with the broker's password masked whatever the worker sent.
            JsonElement workers = await GetJsonAsync(http, "/api/workers?refresh=1&workername=" + Uri.EscapeDataString(node));
            JsonElement stats = workers.GetProperty(node).GetProperty("stats");
            Assert.True(stats.TryGetProperty("pid", out _), stats.GetRawText());
            string password = new Uri(broker).UserInfo.Split(':').ElementAtOrDefault(1) ?? string.Empty;
            if (password.Length >= 3)
            {
                Assert.DoesNotContain(":" + password + "@", workers.GetRawText(), StringComparison.Ordinal);
            }

            // A task held for its countdown, revoked through the API before it is due: the worker refuses to run it.
            string held = await SendAsync(http, "/api/task/send-task/CeleryApp.Tasks.Arithmetics.Add", """{"args": [1, 1], "countdown": 4}""");
            await PollAsync(http, "/api/task/info/" + held, task => task.GetProperty("state").GetString() == "RECEIVED", "the held task received");
            using (HttpResponseMessage revoke = await http.PostAsync("/api/task/revoke/" + held, null))
            {
                Assert.Equal("{\"message\":\"Revoked '" + held + "'\"}", await revoke.Content.ReadAsStringAsync());
            }

            await worker.WaitForLineAsync(line => line.Contains($"Task {held} ", StringComparison.Ordinal) && line.Contains("was revoked", StringComparison.Ordinal), s_guard);
        }
        catch (Exception ex) when (ex is TimeoutException or Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{ex.Message}\n--- monitor ---\n{output}\n--- worker ---\n{string.Join('\n', worker.Lines)}");
        }
        finally
        {
            stop.Cancel();
            Assert.Equal(0, await monitor.WaitAsync(s_guard));
        }
    }

    private static async Task<string> SendAsync(HttpClient http, string path, string body)
    {
        using HttpResponseMessage response = await http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("task-id").GetString()!;
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path)
    {
        using HttpResponseMessage response = await http.GetAsync(path);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asks until the answer satisfies <paramref name="done"/>, within the guard; a 404 counts as not yet.</summary>
    private static async Task<JsonElement> PollAsync(HttpClient http, string path, Func<JsonElement, bool> done, string what)
    {
        var clock = Stopwatch.StartNew();
        string last = string.Empty;
        while (clock.Elapsed < s_guard)
        {
            using HttpResponseMessage response = await http.GetAsync(path);
            last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            if (response.IsSuccessStatusCode)
            {
                JsonElement answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
                if (done(answer))
                {
                    return answer;
                }
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"Waited {s_guard.TotalSeconds} s for {what} at {path}; last answer: {last}");
    }

    /// <summary>The CeleryApp sample's worker, with task events, as a process of its own; killed when disposed.</summary>
    private sealed class WorkerProcess : IDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _lines = new();
        private readonly SemaphoreSlim _added = new(0);

        private WorkerProcess(Process process) => _process = process;

        public string[] Lines => [.. _lines];

        public static WorkerProcess Start(string broker, string node)
        {
            string program = Path.Combine(RepositoryRoot(), "samples", "CeleryApp", "bin", Configuration(), "net10.0", "CeleryApp.dll");
            if (!File.Exists(program))
            {
                throw new FileNotFoundException($"The worker program is not built: {program}. Build tests/TaskGen.Monitor.Tests, which builds it.");
            }

            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string argument in new[] { program, "worker", "-Q", "celery,calc", "-n", node, "-c", "2", "-E", "--broker", broker, "--loglevel", "info" })
            {
                start.ArgumentList.Add(argument);
            }

            var worker = new WorkerProcess(new Process { StartInfo = start });
            worker._process.OutputDataReceived += (_, e) => worker.Add(e.Data);
            worker._process.ErrorDataReceived += (_, e) => worker.Add(e.Data);
            worker._process.Start();
            worker._process.BeginOutputReadLine();
            worker._process.BeginErrorReadLine();
            return worker;
        }

        public async Task WaitForLineAsync(Func<string, bool> match, TimeSpan guard)
        {
            using var timeout = new CancellationTokenSource(guard);
            while (!_lines.Any(match))
            {
                try
                {
                    await _added.WaitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException("The worker did not log the line waited for.");
                }
            }
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
        }

        private void Add(string? line)
        {
            if (line is not null)
            {
                _lines.Enqueue(line);
                _added.Release();
            }
        }

        private static string RepositoryRoot()
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "TaskGen.sln")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName ?? throw new InvalidOperationException("The repository root (with TaskGen.sln) is not above the test binaries.");
        }

        /// <summary>The build configuration of the test binaries (<c>bin/Release/net10.0</c>), so the worker matches.</summary>
        private static string Configuration() => new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
    }
}
