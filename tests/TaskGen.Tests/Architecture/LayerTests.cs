using System;
using System.Collections.Generic;
using System.Linq;
using NetArchTest.Rules;

namespace TaskGen.Tests.Architecture;

/// <summary>
/// Pins the runtime's layers, lowest first: Serialization → Protocol → Transport → {Client, Worker, Results}
/// → {Control, Events} → {Hosting, Cli}. A namespace may use the ones before it, never one after it, so each fault
/// has one home and no part reaches around another.
/// </summary>
public sealed class LayerTests
{
    private static readonly string[] s_order =
    [
        "TaskGen.Serialization",
        "TaskGen.Protocol",
        "TaskGen.Transport",
        "TaskGen.Worker|TaskGen.Results",
        "TaskGen.Control|TaskGen.Events",
        "TaskGen.Hosting|TaskGen.Cli",
    ];

    public static TheoryData<string, string> Pairs()
    {
        var data = new TheoryData<string, string>();
        for (int lower = 0; lower < s_order.Length; lower++)
        {
            foreach (string layer in s_order[lower].Split('|'))
            {
                foreach (string higher in s_order.Skip(lower + 1).SelectMany(l => l.Split('|')))
                {
                    data.Add(layer, higher);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void ALowerLayerDoesNotUseAHigherOne(string layer, string higher)
    {
        TestResult result = Types.InAssembly(typeof(TaskApp).Assembly)
            .That().ResideInNamespace(layer)
            .ShouldNot().HaveDependencyOn(higher)
            .GetResult();

        Assert.True(result.IsSuccessful, $"{layer} uses {higher}: {Names(result.FailingTypes)}");
    }

    [Fact]
    public void HostingDoesNotUseTheCommandLine()
    {
        // The command line runs on the hosting pieces; an app that hosts a worker itself never reaches the command line.
        TestResult result = Types.InAssembly(typeof(TaskApp).Assembly).That().ResideInNamespace("TaskGen.Hosting").ShouldNot().HaveDependencyOn("TaskGen.Cli").GetResult();
        Assert.True(result.IsSuccessful, Names(result.FailingTypes));
    }

    [Fact]
    public void TheCoreNeverReferencesTheRedisClient()
    {
        // Redis ships in TaskGen.Redis, so that an app whose results travel over rpc:// does not carry StackExchange.Redis.
        Assert.DoesNotContain(typeof(TaskApp).Assembly.GetReferencedAssemblies(), name => name.Name == "StackExchange.Redis");
        TestResult result = Types.InAssembly(typeof(TaskApp).Assembly).ShouldNot().HaveDependencyOn("StackExchange.Redis").GetResult();
        Assert.True(result.IsSuccessful, Names(result.FailingTypes));
    }

    [Fact]
    public void WorkersAndResultsDoNotKnowEachOther()
    {
        Assert.True(Types.InAssembly(typeof(TaskApp).Assembly).That().ResideInNamespace("TaskGen.Results").ShouldNot().HaveDependencyOn("TaskGen.Worker").GetResult().IsSuccessful);
        TestResult worker = Types.InAssembly(typeof(TaskApp).Assembly).That().ResideInNamespace("TaskGen.Worker").ShouldNot().HaveDependencyOnAny("TaskGen.Results.RpcResultBackend").GetResult();
        Assert.True(worker.IsSuccessful, Names(worker.FailingTypes));
    }

    [Theory]
    [InlineData("TaskGen.Worker")]
    [InlineData("TaskGen.Results")]
    [InlineData("TaskGen.Transport")]
    public void NoLayerBelowTheClientUsesTheAppOrItsResults(string layer)
    {
        // The composition root and the caller's handles sit above these layers; they reach them through seams.
        string[] client = ["TaskGen.TaskApp", "TaskGen.AsyncResult", "TaskGen.BroadcastResult", "TaskGen.Signature"];
        IEnumerable<Type> failing = (Types.InAssembly(typeof(TaskApp).Assembly)
            .That().ResideInNamespace(layer)
            .ShouldNot().HaveDependencyOnAny(client)
            .GetResult().FailingTypes ?? [])
            .Where(type => UsesExactly(type, client));

        Assert.Empty(failing.Select(t => t.FullName));
    }

    [Fact]
    public void TheAppIsNoSeamOfTheLayersBelowItAndHandsThemNoCallbacks()
    {
        // A worker or a result that calls back into the app through an interface the app implements, or through a
        // delegate it was handed, depends on the app as surely as one that names it; they take parts instead.
        string[] below = ["TaskGen.Serialization", "TaskGen.Protocol", "TaskGen.Transport", "TaskGen.Worker", "TaskGen.Results"];
        Assert.Empty(typeof(TaskApp).GetInterfaces().Where(i => below.Contains(i.Namespace)).Select(i => i.FullName));

        Type dependencies = typeof(TaskApp).Assembly.GetType("TaskGen.Worker.WorkerDependencies", throwOnError: true)!;
        string[] callbacks = [.. dependencies.GetConstructors().SelectMany(c => c.GetParameters())
            .Where(p => typeof(Delegate).IsAssignableFrom(p.ParameterType))
            .Select(p => p.Name!)];
        Assert.Empty(callbacks);
    }

    [Theory]
    [InlineData("TaskGen.Control")]
    [InlineData("TaskGen.Events")]
    public void ControlAndEventsReadTheWorkerStateNotTheWorker(string layer)
    {
        TestResult result = Types.InAssembly(typeof(TaskApp).Assembly)
            .That().ResideInNamespace(layer)
            .ShouldNot().HaveDependencyOn("TaskGen.Worker.TaskWorker")
            .GetResult();

        // TaskWorker.ActiveTask is a record nested in the worker type: reading it is reading state.
        IEnumerable<Type> failing = (result.FailingTypes ?? []).Where(type => UsesExactly(type, ["TaskGen.Worker.TaskWorker"]));
        Assert.Empty(failing.Select(t => t.FullName));
    }

    [Theory]
    [InlineData("IFollowUpSender")]
    [InlineData("IResultWaitContext")]
    public void TheSeamsTheAppOnceImplementedForTheWorkerAndItsResultsStayGone(string name)
    {
        // The worker sent follow-ups and results waited through interfaces the app implemented: the router and
        // ResultWaits replaced them. Whatever comes back under such a name is a back-edge to look at again.
        Assert.Empty(typeof(TaskApp).Assembly.GetTypes().Where(t => t.Name == name).Select(t => t.FullName));
        Assert.DoesNotContain(name, typeof(TaskApp).GetInterfaces().Select(i => i.Name));
    }

    [Fact]
    public void TheWorkerContextIsBuiltWhole()
    {
        // Parts set after construction leave a window in which a part reads one that is not there yet.
        Type context = WorkerType("WorkerContext");
        const System.Reflection.BindingFlags Instance = System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance;
        Assert.Empty(context.GetProperties(Instance).Where(p => p.SetMethod is not null).Select(p => p.Name));
        Assert.Empty(context.GetFields(Instance).Where(f => !f.IsInitOnly).Select(f => f.Name));
    }

    [Fact]
    public void NoPartTheWorkerContextHoldsRefersBackToIt()
    {
        // FollowUps once took the context that held it; a part that needs what the context shares takes that part.
        Type context = WorkerType("WorkerContext");
        const System.Reflection.BindingFlags Instance = System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance;
        string[] parts = [.. context.GetProperties(Instance).Select(p => p.PropertyType)
            .Concat(context.GetConstructors().SelectMany(c => c.GetParameters()).Select(p => p.ParameterType))
            .SelectMany(Flatten)
            .Where(t => t.Assembly == context.Assembly && t != context)
            .Select(t => t.Name)
            .Distinct()];
        Assert.Contains("FollowUps", parts);
        Assert.Contains("TaskAnswers", parts);

        // By name, as NetArchTest selects: a namesake elsewhere is checked too, which errs on the strict side.
        TestResult result = Types.InAssembly(typeof(TaskApp).Assembly)
            .That().HaveNameMatching("^(" + string.Join("|", parts) + ")$")
            .ShouldNot().HaveDependencyOn(context.FullName)
            .GetResult();
        Assert.True(result.IsSuccessful, $"parts of the worker context that refer back to it: {Names(result.FailingTypes)}");

        // The same check does see a type that uses the context, so its passing above says something.
        Assert.False(Types.InAssembly(typeof(TaskApp).Assembly).That().HaveName("TaskExecutor").ShouldNot().HaveDependencyOn(context.FullName).GetResult().IsSuccessful);
    }

    private static Type WorkerType(string name) => typeof(TaskApp).Assembly.GetType("TaskGen.Worker." + name, throwOnError: true)!;

    private static string Names(IEnumerable<Type>? types) => string.Join(", ", types?.Select(t => t.FullName) ?? []);

    /// <summary>
    /// NetArchTest matches dependencies by name prefix (<c>TaskGen.TaskApp</c> also matches <c>TaskGen.TaskAppOptions</c>):
    /// this keeps only types whose fields, properties, constructor and method signatures name one of the types exactly.
    /// </summary>
    private static bool UsesExactly(Type type, string[] names)
    {
        const System.Reflection.BindingFlags All = System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.DeclaredOnly;
        IEnumerable<Type> used = type.GetFields(All).Select(f => f.FieldType)
            .Concat(type.GetProperties(All).Select(p => p.PropertyType))
            .Concat(type.GetConstructors(All).SelectMany(c => c.GetParameters()).Select(p => p.ParameterType))
            .Concat(type.GetMethods(All).SelectMany(m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType)));
        return used.SelectMany(Flatten).Any(t => t.FullName is { } name && names.Contains(name.Split('`')[0]));
    }

    private static IEnumerable<Type> Flatten(Type type) =>
        type.IsGenericType ? type.GetGenericArguments().SelectMany(Flatten).Prepend(type.GetGenericTypeDefinition()) : type.HasElementType ? Flatten(type.GetElementType()!) : [type];
}
