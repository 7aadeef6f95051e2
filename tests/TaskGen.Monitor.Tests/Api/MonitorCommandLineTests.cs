using System;
using System.IO;
using System.Threading.Tasks;

namespace TaskGen.Monitor.Tests.Api;

/// <summary>The standalone monitor's options under Flower's names and forms.</summary>
public sealed class MonitorCommandLineTests
{
    [Fact]
    public void BothFlowerFormsSetEveryOption()
    {
        MonitorCommandLine options = MonitorCommandLine.Parse([
            "--port=5600", "--address", "0.0.0.0", "--broker", "amqp://u:p@h//", "--basic_auth=a:1,b:2", "--basic_auth", "c:3",
            "--url_prefix=flower", "--max_tasks", "500", "--max_workers=7", "--purge_offline_workers=60", "--inspect_timeout", "2500",
            "--enable_events=false", "--read_only", "--allow_remote", "true", "--result_backend=redis://h:6379/0", "--TaskGen:ResultExpires=1:00:00",
        ]);

        Assert.Empty(options.Errors);
        Assert.Equal((5600, "0.0.0.0", "amqp://u:p@h//", "/flower", "http://0.0.0.0:5600"), (options.Port, options.Address, options.Broker, options.UrlPrefix, options.Url));
        Assert.Equal(["a:1", "b:2", "c:3"], options.BasicAuth);
        Assert.Equal((500, 7, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(2500)), (options.MaxTasks, options.MaxWorkers, options.PurgeOfflineWorkers, options.InspectTimeout));
        Assert.Equal((false, true, true), (options.EnableEvents, options.ReadOnly, options.AllowRemote));
        Assert.Equal("redis://h:6379/0", options.ResultBackend);
        Assert.Equal(["--TaskGen:ResultExpires=1:00:00"], options.ConfigurationArguments);

        var monitor = new MonitorOptions();
        options.Apply(monitor);
        Assert.Equal((500, 7, false, true, true, 3), (monitor.MaxTasks, monitor.MaxWorkers, monitor.EnableEvents, monitor.ReadOnly, monitor.AllowRemote, monitor.BasicAuth.Count));
    }

    [Fact]
    public void TheDefaultsAreFlowers()
    {
        MonitorCommandLine options = MonitorCommandLine.Parse([]);

        Assert.Equal(("http://127.0.0.1:5555", "/", null, false), (options.Url, options.UrlPrefix, options.Broker, options.ReadOnly));
        Assert.Equal("http://[::1]:5555", MonitorCommandLine.Parse(["--address=::1"]).Url);
    }

    [Fact]
    public void ASwitchTakesTheNextWordOnlyWhenItIsATruthValue()
    {
        MonitorCommandLine options = MonitorCommandLine.Parse(["--read_only", "--port", "1234", "--enable_events", "0"]);

        Assert.Empty(options.Errors);
        Assert.Equal((true, 1234, false), (options.ReadOnly, options.Port, options.EnableEvents));
    }

    [Fact]
    public void EveryMistakeIsNamedAtOnce()
    {
        MonitorCommandLine options = MonitorCommandLine.Parse(["--bogus", "--port=http", "--basic_auth=nocolon", "--broker_api=http://x", "--max_tasks=-1", "stray", "--read_only=maybe", "--broker"]);

        Assert.Equal(
            [
                "Unknown option --bogus; see --help for the options taskgen-monitor takes.",
                "Option --port takes a whole number from 0 to 65535, not 'http'.",
                "Option --basic_auth takes user:password (comma-separated for several); one entry has no user or no ':'.",
                "Flower's option --broker_api is not supported by taskgen-monitor; see --help for the options it takes.",
                "Option --max_tasks takes a whole number from 1 to 2147483647, not '-1'.",
                "Unexpected argument 'stray': options are --name=value or --name value; see --help.",
                "Option --read_only takes true or false, not 'maybe'.",
                "Option --broker needs a value: --broker=VALUE.",
            ],
            options.Errors);
    }

    [Fact]
    public async Task AnUnknownOptionIsOneLineAndExit64AndHelpListsTheOptions()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        int code = await TaskGenMonitor.RunAsync(["--nope"], output, error, null, default);

        Assert.Equal(64, code);
        Assert.Equal("Unknown option --nope; see --help for the options taskgen-monitor takes." + Environment.NewLine, error.ToString());
        Assert.Equal(0, await TaskGenMonitor.RunAsync(["--help"], output, error, null, default));
        Assert.Contains("--basic_auth=USER:PASS", output.ToString(), StringComparison.Ordinal);
    }
}
