using System;
using System.Linq;

namespace TaskGen.Tests.Architecture;

/// <summary>
/// Every exception TaskGen exports derives from <see cref="TaskGenException"/>, so one catch clause sees every
/// TaskGen failure; a new exception that derives from <see cref="Exception"/> directly fails here.
/// </summary>
public sealed class ExceptionBaseTests
{
    [Fact]
    public void EveryExportedExceptionDerivesFromTaskGenException()
    {
        Type[] exceptions = [.. typeof(TaskApp).Assembly.GetExportedTypes().Where(typeof(Exception).IsAssignableFrom)];

        Assert.Contains(typeof(RetryException), exceptions);
        Assert.Empty(exceptions.Where(t => !typeof(TaskGenException).IsAssignableFrom(t)).Select(t => t.FullName));
    }
}
