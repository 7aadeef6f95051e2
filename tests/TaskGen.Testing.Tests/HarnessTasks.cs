using System;
using TaskGen;

namespace Shapes;

/// <summary>Tasks the harness tests send: a result, a failure and a task that sends another.</summary>
public static class Geometry
{
    /// <summary>The area of a rectangle.</summary>
    /// <param name="w">The width.</param>
    /// <param name="h">The height.</param>
    [Task]
    public static double RectArea(double w, double h) => w * h;

    /// <summary>Always fails, so the harness's failure reporting can be checked.</summary>
    /// <param name="reason">The exception's message.</param>
    [Task]
    public static int Explode(string reason) => throw new InvalidOperationException(reason);

    /// <summary>Sends <see cref="RectArea"/> for a square from inside a task, as a workflow step would.</summary>
    /// <param name="side">The square's side.</param>
    [Task]
    public static string SquareLater(double side)
    {
        Remote.Geometry.RectArea.Delay(side, side);
        return "queued";
    }
}
