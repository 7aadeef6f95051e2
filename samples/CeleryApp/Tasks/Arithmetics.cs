using TaskGen;

namespace CeleryApp.Tasks;

/// <summary>Integer arithmetic, on the default queue.</summary>
public static class Arithmetics
{
    /// <summary>Adds two numbers.</summary>
    /// <param name="a">The first addend.</param>
    /// <param name="b">The second addend.</param>
    [Task]
    public static int Add(int a, int b) => a + b;

    /// <summary>Subtracts <paramref name="b"/> from <paramref name="a"/>.</summary>
    /// <param name="a">The minuend.</param>
    /// <param name="b">The subtrahend.</param>
    [Task]
    public static int Sub(int a, int b) => a - b;
}
