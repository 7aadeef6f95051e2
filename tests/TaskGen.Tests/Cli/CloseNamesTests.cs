using TaskGen.Cli;

namespace TaskGen.Tests.Cli;

/// <summary>The "Did you mean ...?" of <c>call</c> and <c>purge</c>: suffix matches first, then a few edits, at most three.</summary>
public sealed class CloseNamesTests
{
    private static readonly string[] s_tasks =
    [
        "CeleryApp.Tasks.Geometry.RectArea",
        "CeleryApp.Tasks.Geometry.CircleArea",
        "CeleryApp.Tasks.Arithmetics.Add",
        "CeleryApp.Tasks.Arithmetics.Mul",
        "Other.Geometry.RectArea",
    ];

    [Theory]
    [InlineData("RectArea", new[] { "CeleryApp.Tasks.Geometry.RectArea", "Other.Geometry.RectArea" })]
    [InlineData("rectarea", new[] { "CeleryApp.Tasks.Geometry.RectArea", "Other.Geometry.RectArea" })]
    [InlineData("tasks.geometry.rectarea", new[] { "CeleryApp.Tasks.Geometry.RectArea" })]
    [InlineData("celeryapp.tasks.geometry.rectarea", new[] { "CeleryApp.Tasks.Geometry.RectArea" })]
    [InlineData("RectAera", new[] { "CeleryApp.Tasks.Geometry.RectArea", "Other.Geometry.RectArea" })]
    [InlineData("CeleryApp.Tasks.Geometry.RectAre", new[] { "CeleryApp.Tasks.Geometry.RectArea", "Other.Geometry.RectArea" })]
    [InlineData("add", new[] { "CeleryApp.Tasks.Arithmetics.Add" })]
    [InlineData("Area", new string[0])]
    [InlineData("sub", new string[0])]
    [InlineData("", new string[0])]
    public void TaskNames(string typed, string[] expected) =>
        Assert.Equal(expected, CloseNames.Find(typed, s_tasks));

    [Fact]
    public void SuffixMatchesLeaveOutNearMissesAndAtMostThreeAreListed()
    {
        string[] known = ["a.Run", "b.Run", "c.Rum", "d.Run", "e.Run"];

        Assert.Equal(["a.Run", "b.Run", "d.Run"], CloseNames.Find("run", known));
        Assert.Equal(["c.Rum"], CloseNames.Find("rum", known));
        Assert.Equal(["a.Run", "b.Run", "c.Rum"], CloseNames.Find("rux", known));
    }

    [Theory]
    [InlineData("calk", new[] { "calc" })]
    [InlineData("celery", new string[0])]
    [InlineData("clery", new[] { "celery" })]
    [InlineData("mail", new string[0])]
    public void QueueNames(string typed, string[] expected) =>
        Assert.Equal(expected, CloseNames.Find(typed, ["calc", "celery", "slow"]));

    [Fact]
    public void EitherReadsAsASentence()
    {
        Assert.Equal("a", CloseNames.Either(["a"]));
        Assert.Equal("a or b", CloseNames.Either(["a", "b"]));
        Assert.Equal("a, b or c", CloseNames.Either(["a", "b", "c"]));
    }
}
