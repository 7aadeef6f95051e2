using System;
using System.Threading.Tasks;
using TaskGen.Hosting;

namespace TaskGen.Tests.Hosting;

/// <summary>Numeric options with bad values are usage errors that name the option and the form it expects.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("-c", "abc", "Option -c/--concurrency expects a whole number of at least 1 (e.g. -c 8), not 'abc'.")]
    [InlineData("--concurrency", "0", "Option --concurrency expects a whole number of at least 1")]
    [InlineData("-c", "-3", "Option -c/--concurrency expects a whole number of at least 1")]
    [InlineData("-c", "1.5", "not '1.5'")]
    [InlineData("-c", "99999999999", "not '99999999999'")]
    [InlineData("-t", "abc", "Option -t/--timeout expects a number of seconds greater than 0 and at most 86400 (e.g. -t 2.5), not 'abc'.")]
    [InlineData("-t", "NaN", "not 'NaN'")]
    [InlineData("-t", "Infinity", "not 'Infinity'")]
    [InlineData("--timeout", "0", "Option --timeout expects")]
    [InlineData("-t", "1e9", "not '1e9'")]
    [InlineData("-t", "86401", "not '86401'")]
    [InlineData("-t", "1\n2", "not '1\\n2'")]
    public void ABadNumberIsAUsageErrorNamingTheOption(string option, string value, string expected)
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => CommandLine.Parse(["worker", option, value]));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABadNumberAfterAnEqualsSignIsRefusedToo()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => CommandLine.Parse(["status", "--timeout=soon"]));

        Assert.StartsWith("Option --timeout expects", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GoodNumbersAreRead()
    {
        CommandLine line = CommandLine.Parse(["worker", "-c", "8", "-t", "2.5"]);

        Assert.Equal(8, line.WholeNumber("--concurrency"));
        Assert.Equal(TimeSpan.FromSeconds(2.5), line.Seconds("--timeout", 1));
        Assert.Equal(TimeSpan.FromSeconds(1), CommandLine.Parse(["status"]).Seconds("--timeout", 1));
        Assert.Null(CommandLine.Parse(["worker"]).WholeNumber("--concurrency"));
    }

    [Fact]
    public async Task TheProgramExitsWithCelerysUsageCodeBeforeTouchingTheBroker()
    {
        // EX_USAGE, as Celery's command line uses; no broker is configured, so reaching one would fail differently.
        Assert.Equal(64, await TaskAppHost.RunAsync(["worker", "-c", "abc", "--broker", "amqp://guest:guest@127.0.0.1:1/"]));
    }
}
