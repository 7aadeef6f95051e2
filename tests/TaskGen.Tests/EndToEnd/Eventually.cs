using System;
using System.Diagnostics;
using System.Threading.Tasks;

namespace TaskGen.Tests.EndToEnd;

/// <summary>Waits for a condition that another thread makes true; the limit only guards against a hang.</summary>
internal static class Eventually
{
    public static async Task WaitFor(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > MemoryEnvironment.Guard)
            {
                throw new TimeoutException($"Gave up waiting for {what}.");
            }

            await Task.Delay(5);
        }
    }
}
