using System;
using TaskGen;

namespace CeleryApp.Tasks;

/// <summary>Areas of plane figures; rectangles go to the <c>calc</c> queue.</summary>
public static class Geometry
{
    /// <summary>The area of a rectangle of height <paramref name="h"/> and width <paramref name="w"/>.</summary>
    /// <param name="h">The height.</param>
    /// <param name="w">The width.</param>
    [Task(Queue = "calc")]
    public static double RectArea(double h, double w) => h * w;

    /// <summary>The area of a circle of radius <paramref name="r"/>: π·r².</summary>
    /// <param name="r">The radius.</param>
    [Task]
    public static double CircleArea(double r) => Math.PI * r * r;
}
