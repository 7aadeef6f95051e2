using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace TaskGen.Integration.Tests;

/// <summary>
/// The sample worker as systemd's <c>Type=notify</c> sees it: <c>READY=1</c> arrives on <c>NOTIFY_SOCKET</c> only
/// once the worker consumes, and <c>STOPPING=1</c> when SIGTERM stops it.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SystemdNotifyTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [Fact]
    public async Task TheWorkerReportsReadyOnceItConsumesAndStoppingOnSigterm()
    {
        string work = Directory.CreateTempSubdirectory("taskgen-notify-").FullName;
        try
        {
            // The host speaks to systemd only when its parent process is named "systemd", so the worker is started
            // by a copy of bash under that name; the trailing "exit" keeps bash from replacing itself with the worker.
            string parent = Path.Combine(work, "systemd");
            File.Copy("/bin/bash", parent);
            File.SetUnixFileMode(parent, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            string socketPath = Path.Combine(work, "notify.sock");
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Bind(new UnixDomainSocketEndPoint(socketPath));

            await using ProgramProcess shell = ProgramProcess.StartExecutable(
                parent,
                ["-c", "dotnet \"$0\" worker -Q calc -n notify@%h --broker \"$1\" --loglevel info; exit $?", CeleryAppProgram, Broker.Url],
                new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath });

            Assert.Equal("READY=1", await ReceiveAsync(socket, shell));
            Assert.True((await App.Transport.InspectQueueAsync("calc", CancellationToken.None))?.Consumers >= 1, "READY=1 came before the worker consumed 'calc'.");
            Assert.Equal(4, await App.Send(CeleryApp.Tasks.Remote.Geometry.RectArea.Signature(2, 2)).GetAsync(Guard));

            int worker = ChildOf(shell.Id);
            using (Process kill = Process.Start("kill", ["-TERM", worker.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            Assert.Equal("STOPPING=1", await ReceiveAsync(socket, shell));
            await shell.WaitForExitAsync();
            Assert.Equal(0, shell.ExitCode);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<string> ReceiveAsync(Socket socket, ProgramProcess program)
    {
        byte[] buffer = new byte[1024];
        using var guard = new CancellationTokenSource(Guard);
        try
        {
            int length = await socket.ReceiveAsync(buffer, SocketFlags.None, guard.Token);
            return Encoding.UTF8.GetString(buffer, 0, length).Trim();
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Nothing arrived on NOTIFY_SOCKET. The worker's output:\n{string.Join('\n', program.Lines)}");
        }
    }

    private static int ChildOf(int pid)
    {
        string children = File.ReadAllText($"/proc/{pid}/task/{pid}/children").Trim();
        return int.Parse(children.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }
}
