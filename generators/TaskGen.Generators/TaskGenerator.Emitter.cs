using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using TaskGen.Common;
using TaskGen.Generators.Helpers;
using TaskGen.Generators.Model;

namespace TaskGen.Generators;

public sealed partial class TaskGenerator
{
    /// <summary>Turns specs into C# text.</summary>
    internal static class Emitter
    {
        private const string Json = "global::TaskGen.Serialization.TaskJson";
        private const string Reader = "global::System.Text.Json.Utf8JsonReader";

        private static readonly string s_generatedCode =
            $"[global::System.CodeDom.Compiler.GeneratedCode(\"TaskGen.Generators\", \"{typeof(Emitter).Assembly.GetName().Version}\")]";

        public static (string HintName, string Source)? EmitTask(TaskSpec task, EmitContext context)
        {
            string? blockedBy = task.BlockedBy ?? (task.NeedsJsonContext && context.JsonContext is null ? "TG0109" : null);
            var w = new SourceWriter();
            WriteHeader(w);
            string stubNamespace = task.Namespace.Length == 0 ? "Remote" : task.Namespace + ".Remote";
            w.OpenBlock("namespace " + stubNamespace);
            foreach (ContainerSpec container in task.Containers)
            {
                w.OpenBlock($"{(container.IsPublic ? "public" : "internal")} static partial class {container.Name}");
            }

            if (blockedBy is not null)
            {
                WriteBlockedStub(w, task, context, blockedBy);
            }
            else
            {
                WriteStub(w, task, context);
            }

            foreach (ContainerSpec _ in task.Containers)
            {
                w.CloseBlock();
            }

            w.CloseBlock();
            string hint = string.Join(".", new[] { task.Namespace }.Where(n => n.Length > 0).Concat(task.Containers.Select(c => c.Name)).Concat(new[] { task.MethodName }));
            if (blockedBy is not null)
            {
                return ((task.Overload == 0 ? hint : hint + "." + task.Overload.ToString(CultureInfo.InvariantCulture)) + ".g.cs", w.ToString());
            }

            // A contract's code is in the assemblies that implement it, whose generated dispatch calls the stub's codecs.
            if (!task.IsContract)
            {
                w.WriteLine();
                w.OpenBlock("namespace TaskGen.Generated");
                w.OpenBlock($"partial class {context.ModuleName}");
                WriteInvoke(w, task, context);
                WriteReadArguments(w, task);
                w.CloseBlock();
                w.CloseBlock();
            }

            return (hint + ".g.cs", w.ToString());
        }

        public static string? EmitRegistry(EquatableArray<TaskSpec> tasks, EquatableArray<ImplementationSpec> implementations, AssemblySpec assembly)
        {
            List<Entry> emitted = Registered(tasks, implementations, assembly.Emit);

            // An assembly of contracts only still has a module: its stubs' descriptors name its queues and JSON context.
            bool hasContracts = tasks.Any(t => t.IsContract && (!t.NeedsJsonContext || assembly.Emit.JsonContext is not null));
            if (emitted.Count == 0 && !hasContracts)
            {
                return null;
            }

            string module = assembly.Emit.ModuleName;
            var w = new SourceWriter();
            WriteHeader(w);
            w.OpenBlock("namespace TaskGen.Generated");
            w.WriteLine("/// <summary>The tasks of this assembly and their dispatch table.</summary>");
            w.WriteLine(s_generatedCode);
            w.OpenBlock($"internal sealed partial class {module} : global::TaskGen.Worker.TaskModule");
            w.WriteLine("/// <summary>The one instance, shared by stubs and workers.</summary>");
            w.WriteLine($"public static readonly {module} Instance = new {module}();");
            w.WriteLine();
            w.WriteLine("private static readonly global::TaskGen.Worker.TaskDefinition[] s_tasks = new global::TaskGen.Worker.TaskDefinition[]");
            w.WriteLine("{");
            w.Indent();
            foreach ((TaskSpec task, string invoke) in emitted)
            {
                string parameters = string.Join(", ", task.Parameters.Where(p => p.Role == ParameterRole.Value).Select(p => Literal(p.Name)));
                string result = task.Result is null ? "null" : Literal(task.Result.DisplayName);
                string names = parameters.Length == 0 ? "new string[0]" : $"new[] {{ {parameters} }}";
                string definition = $"new({StubPath(task)}.Name, {Literal(task.Queue ?? QueueNames.DefaultQueue)}, {names}, {result})";

                // The definition carries its task's entry, so a worker's one lookup by name finds the code too.
                string policy = task.Policy is { } declared ? $"Policy = {PolicyExpression(declared)}, " : string.Empty;
                w.WriteLine($"{definition} {{ {policy}Run = {invoke} }},");
            }

            w.Unindent();
            w.WriteLine("};");
            w.WriteLine();

            // The queues of implemented contracts come with them, as their assembly declares them, so a worker that
            // registers only this assembly consumes them as declared.
            List<QueueSpec> queues = assembly.Queues.ToList();
            foreach (ImplementationSpec implementation in implementations.OrderBy(i => i.Contract.TaskName, System.StringComparer.Ordinal))
            {
                if (implementation.ContractQueue is { } queue && !queues.Any(q => q.Name == queue.Name))
                {
                    queues.Add(queue);
                }
            }

            WriteQueueArray(w, queues.ToEquatableArray());
            w.WriteLine();
            w.WriteLine("/// <inheritdoc />");
            w.WriteLine("public override global::System.Collections.Generic.IReadOnlyList<global::TaskGen.Worker.TaskDefinition> Tasks => s_tasks;");
            WriteSignatures(w, tasks);
            w.WriteLine();
            w.WriteLine("/// <inheritdoc />");
            w.WriteLine("public override global::System.Collections.Generic.IReadOnlyList<global::TaskGen.Transport.QueueDeclaration> Queues => DeclaredQueues;");
            w.WriteLine();
            w.WriteLine("/// <inheritdoc />");
            w.OpenBlock("public override global::System.Threading.Tasks.ValueTask DispatchAsync(global::TaskGen.Worker.TaskInvocation invocation)");
            w.OpenBlock("switch (invocation.Request.Name)");
            foreach ((TaskSpec task, string invoke) in emitted)
            {
                w.WriteLine($"case {StubPath(task)}.Name: return {invoke}(invocation);");
            }

            w.WriteLine("default:");
            w.Indent().WriteLine("return ThrowUnknownTask(invocation.Request.Name);").Unindent();
            w.CloseBlock();
            w.CloseBlock();
            w.WriteLine();
            if (emitted.Any(e => e.Task.Periodic.Length > 0))
            {
                WritePeriodic(w, emitted.Select(e => e.Task).ToList());
            }

            w.OpenBlock("private static global::System.Threading.Tasks.ValueTask ThrowUnknownTask(string name)");
            w.WriteLine($"throw new global::System.InvalidOperationException(\"Task '\" + name + \"' is not in {module}.\");");
            w.CloseBlock();
            if (assembly.Emit.JsonContext is { } jsonContext)
            {
                w.WriteLine();
                w.WriteLine("/// <summary>Caches each contract looked up in the app's JSON context, once per type.</summary>");
                w.OpenBlock("internal static class Contract<T>");
                w.WriteLine($"public static readonly global::System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> Info = {Json}.GetTypeInfo<T>({jsonContext}.Default);");
                w.CloseBlock();
            }

            w.CloseBlock();
            w.CloseBlock();
            w.WriteLine();
            w.OpenBlock("namespace TaskGen");
            w.WriteLine("/// <summary>Registers this assembly's tasks and queues with an app.</summary>");
            w.WriteLine(s_generatedCode);
            w.OpenBlock($"public static class {assembly.RegistrationName.Substring(3)}Registration");
            w.WriteLine("/// <summary>Adds this assembly's tasks and declared queues, so that a worker can run them.</summary>");
            w.WriteLine("/// <param name=\"builder\">The app being built.</param>");
            w.WriteLine($"public static global::TaskGen.TaskAppBuilder {assembly.RegistrationName}(this global::TaskGen.TaskAppBuilder builder) =>");
            w.Indent().WriteLine($"builder.AddTasks(global::TaskGen.Generated.{module}.Instance);").Unindent();
            w.CloseBlock();
            w.CloseBlock();
            return w.ToString();
        }

        /// <summary>
        /// Every stub's call shape (name, queue, each argument's C# type and JSON kind), so the monitor can offer typed
        /// fields; tasks blocked by a diagnostic are left out, as they cannot be sent.
        /// </summary>
        private static void WriteSignatures(SourceWriter w, EquatableArray<TaskSpec> tasks)
        {
            List<TaskSpec> callable = tasks.Where(t => t.BlockedBy is null).OrderBy(t => t.TaskName, System.StringComparer.Ordinal).ToList();
            if (callable.Count == 0)
            {
                return;
            }

            const string Worker = "global::TaskGen.Worker";
            w.WriteLine();
            w.WriteLine($"private static readonly {Worker}.TaskSignatureInfo[] s_signatures = new {Worker}.TaskSignatureInfo[]");
            w.WriteLine("{");
            w.Indent();
            foreach (TaskSpec task in callable)
            {
                IEnumerable<string> arguments = task.Parameters.Where(p => p.Role == ParameterRole.Value && p.Type is not null).Select(p =>
                    $"new {Worker}.TaskArgumentInfo({Literal(p.Name)}, {Literal(p.Type!.DisplayName)}, {Literal(JsonKind(p.Type))}, {(IsNullable(p.Type) ? "true" : "false")}, {(p.DefaultValue is { } value ? Literal(value) : "null")})");
                string list = string.Join(", ", arguments);
                string argumentArray = list.Length == 0 ? $"new {Worker}.TaskArgumentInfo[0]" : $"new {Worker}.TaskArgumentInfo[] {{ {list} }}";
                string result = task.Result is null ? "null" : Literal(task.Result.DisplayName);
                w.WriteLine($"new {Worker}.TaskSignatureInfo({StubPath(task)}.Name, {Literal(task.Queue ?? string.Empty)}, {argumentArray}, {result}),");
            }

            w.Unindent();
            w.WriteLine("};");
            w.WriteLine();
            w.WriteLine("/// <inheritdoc />");
            w.WriteLine($"public override global::System.Collections.Generic.IReadOnlyList<{Worker}.TaskSignatureInfo> Signatures => s_signatures;");
        }

        /// <summary>The JSON an argument of <paramref name="type"/> is, in JSON Schema's words.</summary>
        private static string JsonKind(TypeRef type) => type.Kind switch
        {
            WireKind.Nullable when type.Arguments.Length == 1 => JsonKind(type.Arguments[0]),
            WireKind.Enum => "integer",
            WireKind.Array or WireKind.List or WireKind.Sequence => "array",
            WireKind.Dictionary or WireKind.JsonObject => "object",
            _ => type.Helper switch
            {
                "Byte" or "SByte" or "Int16" or "UInt16" or "Int32" or "UInt32" or "Int64" or "UInt64" => "integer",
                "Single" or "Double" or "Decimal" => "number",
                "Boolean" => "boolean",
                _ => "string",
            },
        };

        private static bool IsNullable(TypeRef type) => type.Kind == WireKind.Nullable || type.FullName.EndsWith("?", System.StringComparison.Ordinal);

        /// <summary>The module's <c>[Periodic]</c> entries, written as a person would write them in <c>AddSchedule</c>.</summary>
        private static void WritePeriodic(SourceWriter w, List<TaskSpec> tasks)
        {
            const string Scheduling = "global::TaskGen.Scheduling";
            w.WriteLine("/// <inheritdoc />");
            w.OpenBlock($"public override void AddPeriodic({Scheduling}.ScheduleBuilder schedule)");
            foreach (TaskSpec task in tasks)
            {
                foreach (PeriodicSpec entry in task.Periodic)
                {
                    string when = entry.Cron is { } cron
                        ? $"{Scheduling}.Schedule.Cron({Literal(cron)}{(entry.TimeZone is { } zone ? ", " + Literal(zone) : string.Empty)})"
                        : $"{Scheduling}.Schedule.Every({Interval(entry.IntervalTicks!.Value)})";
                    string options = entry.Misfire == 0 ? string.Empty : $", new {Scheduling}.ScheduleEntryOptions {{ Misfire = {Misfire(entry.Misfire)} }}";
                    w.WriteLine($"schedule.Add({Literal(entry.Name)}, {StubPath(task)}.Signature(), {when}{options});");
                }
            }

            w.CloseBlock();
            w.WriteLine();
        }

        /// <summary>The interval in the largest unit that holds it whole: <c>TimeSpan.FromMinutes(90)</c>, not ticks.</summary>
        private static string Interval(long ticks)
        {
            foreach ((string unit, long size) in new[] { ("Days", 864_000_000_000L), ("Hours", 36_000_000_000L), ("Minutes", 600_000_000L), ("Seconds", 10_000_000L), ("Milliseconds", 10_000L) })
            {
                if (ticks % size == 0)
                {
                    return $"global::System.TimeSpan.From{unit}({(ticks / size).ToString(CultureInfo.InvariantCulture)})";
                }
            }

            return $"global::System.TimeSpan.FromTicks({ticks.ToString(CultureInfo.InvariantCulture)})";
        }

        private static string Misfire(int value) => value switch
        {
            0 => "global::TaskGen.Scheduling.MisfirePolicy.RunOnce",
            1 => "global::TaskGen.Scheduling.MisfirePolicy.RunAll",
            2 => "global::TaskGen.Scheduling.MisfirePolicy.Skip",
            _ => $"(global::TaskGen.Scheduling.MisfirePolicy)({value.ToString(CultureInfo.InvariantCulture)})",
        };

        /// <summary>
        /// One <c>global using</c> alias per stub container of each task namespace <c>N</c> that some file imports together
        /// with <c>N.Remote</c> and no file imports without it; a name that two such namespaces share, that the global
        /// namespace, an imported namespace or a user's alias already holds, gets none (the alias would be ambiguous,
        /// rejected, or hide another type).
        /// </summary>
        public static string? EmitStubAliases(StubAliasSpec spec)
        {
            if (!spec.Enabled || spec.Containers.Length == 0)
            {
                return null;
            }

            var everywhere = new HashSet<string>(spec.Imports.SelectMany(i => i.GlobalNamespaces), System.StringComparer.Ordinal);
            var taskNamespaces = new HashSet<string>(spec.Containers.Select(c => c.Namespace), System.StringComparer.Ordinal);
            var both = new HashSet<string>(System.StringComparer.Ordinal);
            foreach (ImportSpec file in spec.Imports)
            {
                var seen = new HashSet<string>(file.Namespaces.Concat(everywhere), System.StringComparer.Ordinal);
                foreach (string ns in seen)
                {
                    if (ns.EndsWith(".Remote", System.StringComparison.Ordinal) && seen.Contains(ns.Substring(0, ns.Length - ".Remote".Length)))
                    {
                        both.Add(ns.Substring(0, ns.Length - ".Remote".Length));
                    }
                }
            }

            // An alias is global: a file outside N that imports N alone would find the stub where it meant the task
            // class. So N gets aliases only when every file importing it also imports N.Remote.
            foreach (ImportSpec file in spec.Imports)
            {
                var seen = new HashSet<string>(file.Namespaces.Concat(everywhere), System.StringComparer.Ordinal);
                foreach (string ns in seen)
                {
                    if (taskNamespaces.Contains(ns) && !seen.Contains(ns + ".Remote"))
                    {
                        both.Remove(ns);
                    }
                }
            }

            both.IntersectWith(taskNamespaces);
            List<StubContainerSpec> candidates = spec.Containers.Where(c => both.Contains(c.Namespace)).ToList();
            var taken = new HashSet<string>(spec.GlobalNames.Concat(spec.Imports.SelectMany(i => i.Aliases)), System.StringComparer.Ordinal);
            List<StubContainerSpec> aliased = candidates
                .GroupBy(c => c.Name, System.StringComparer.Ordinal)
                .Where(g => g.Count() == 1 && !taken.Contains(g.Key))
                .Select(g => g.First())
                .OrderBy(c => c.Name, System.StringComparer.Ordinal)
                .ToList();
            if (aliased.Count == 0)
            {
                return null;
            }

            var w = new SourceWriter();
            WriteHeader(w);
            w.WriteLine("// A file here imports both a task namespace and its Remote namespace, which name each task class twice");
            w.WriteLine("// (CS0104). These aliases bind before either import, so a call names the stub; code inside the task");
            w.WriteLine("// namespace still finds its own class first. Set <TaskGenStubAliases>false</TaskGenStubAliases> to leave them out.");
            foreach (StubContainerSpec container in aliased)
            {
                w.WriteLine($"global using {container.Name} = global::{container.Namespace}.Remote.{container.Name};");
            }

            return w.ToString();
        }

        public static string? EmitQueues(AssemblySpec assembly, bool hasTasks)
        {
            if (!hasTasks && assembly.Queues.Length == 0)
            {
                return null;
            }

            var w = new SourceWriter();
            WriteHeader(w);
            w.OpenBlock("namespace " + assembly.QueuesNamespace);
            w.WriteLine("/// <summary>The queues this assembly declares, as constants for routing without string literals.</summary>");
            w.WriteLine(s_generatedCode);
            w.OpenBlock("public static partial class Queues");
            var used = new HashSet<string>();
            IEnumerable<QueueSpec> queues = assembly.Queues.Any(q => q.Name == QueueNames.DefaultQueue)
                ? assembly.Queues
                : new[] { new QueueSpec(QueueNames.DefaultQueue, false) }.Concat(assembly.Queues);
            foreach (QueueSpec queue in queues)
            {
                string name = TaskNames.ToIdentifier(queue.Name);
                string unique = name;
                for (int i = 2; !used.Add(unique); i++)
                {
                    unique = name + i;
                }

                w.WriteLine($"/// <summary>The {(queue.Broadcast ? "broadcast" : "direct")} queue <c>{queue.Name}</c>.</summary>");
                w.WriteLine($"public const string {unique} = {Literal(queue.Name)};");
            }

            w.CloseBlock();
            w.CloseBlock();
            return w.ToString();
        }

        /// <summary>A task that gets a dispatch case, and the generated method that runs it.</summary>
        internal readonly record struct Entry(TaskSpec Task, string Invoke);

        /// <summary>
        /// The tasks that get a dispatch case: emittable ones of this assembly and the contract tasks it implements, first
        /// of each name in ordinal order.
        /// </summary>
        internal static List<Entry> Registered(EquatableArray<TaskSpec> tasks, EquatableArray<ImplementationSpec> implementations, EmitContext context) =>
            tasks.Where(t => !t.IsContract && t.BlockedBy is null && (!t.NeedsJsonContext || context.JsonContext is not null))
                .Select(t => new Entry(t, InvokeName(t)))
                .Concat(implementations.Where(i => IsEmittable(i, context)).Select(i => new Entry(i.Contract, ImplementName(i.Contract))))
                .OrderBy(e => e.Task.TaskName, System.StringComparer.Ordinal)
                .ThenBy(e => StubPath(e.Task), System.StringComparer.Ordinal)
                .GroupBy(e => e.Task.TaskName)
                .Select(g => g.First())
                .ToList();

        /// <summary>A contract declared in this compilation is implemented only when its stub is emitted here too.</summary>
        private static bool IsEmittable(ImplementationSpec implementation, EmitContext context) =>
            !implementation.ContractInThisAssembly || !implementation.Contract.NeedsJsonContext || context.JsonContext is not null;

        /// <summary>
        /// The method that runs an implemented contract task: it reads the arguments with the contract stub's codec, calls
        /// the interface resolved from the run's services or the static method, and records the result with the stub's codec.
        /// </summary>
        public static (string HintName, string Source)? EmitImplementation(ImplementationSpec implementation, EmitContext context)
        {
            if (!IsEmittable(implementation, context))
            {
                return null;
            }

            TaskSpec contract = implementation.Contract;
            string stub = StubPath(contract);
            bool isAsync = implementation.Returns is ReturnKind.Task or ReturnKind.TaskOfT or ReturnKind.ValueTask or ReturnKind.ValueTaskOfT;
            int count = implementation.Parameters.Count(p => p.Role == ParameterRole.Value);
            var arguments = new List<string>();
            int valueIndex = 0;
            foreach (ParameterSpec parameter in implementation.Parameters)
            {
                arguments.Add(parameter.Role switch
                {
                    ParameterRole.CancellationToken => "invocation.CancellationToken",
                    ParameterRole.Context => "invocation.Context",
                    ParameterRole.Service => $"invocation.GetRequiredService<{parameter.ServiceType}>()",
                    _ when count == 1 => "arg",
                    _ => $"args.Item{++valueIndex}",
                });
            }

            // A class implementation is resolved as its interface, in the run's scope like a [FromServices] parameter.
            string target = implementation.ServiceType is { } service
                ? $"invocation.GetRequiredService<{service}>().{contract.MethodName}"
                : implementation.MethodPath!;
            string call = $"{target}({string.Join(", ", arguments)})";

            var w = new SourceWriter();
            WriteHeader(w);
            w.OpenBlock("namespace TaskGen.Generated");
            w.OpenBlock($"partial class {context.ModuleName}");
            w.OpenBlock($"private static {(isAsync ? "async " : string.Empty)}global::System.Threading.Tasks.ValueTask {ImplementName(contract)}(global::TaskGen.Worker.TaskInvocation invocation)");
            w.WriteLine(count switch
            {
                0 => $"{stub}.ReadArguments(invocation);",
                1 => $"var arg = {stub}.ReadArguments(invocation);",
                _ => $"var args = {stub}.ReadArguments(invocation);",
            });
            string awaited = isAsync ? $"await {call}.ConfigureAwait(false)" : call;
            if (contract.Result is null)
            {
                w.WriteLine(awaited + ";");
            }
            else
            {
                w.WriteLine($"{stub}.SetResult(invocation, {awaited});");
            }

            if (!isAsync)
            {
                w.WriteLine("return default;");
            }

            w.CloseBlock();
            w.CloseBlock();
            w.CloseBlock();
            return (stub.Substring("global::".Length) + ".Implementation.g.cs", w.ToString());
        }

        private static void WriteHeader(SourceWriter w)
        {
            w.WriteLine("// <auto-generated/>");
            w.WriteLine("#nullable enable");
            w.WriteLine();
        }

        private static void WriteQueueArray(SourceWriter w, EquatableArray<QueueSpec> queues)
        {
            w.WriteLine("/// <summary>The queues this assembly declares, for its stubs' descriptors and its workers.</summary>");
            w.WriteLine("internal static readonly global::TaskGen.Transport.QueueDeclaration[] DeclaredQueues = new global::TaskGen.Transport.QueueDeclaration[]");
            w.WriteLine("{");
            w.Indent();
            foreach (QueueSpec queue in queues)
            {
                w.WriteLine(QueueDeclaration(queue) + ",");
            }

            w.Unindent();
            w.WriteLine("};");
        }

        private static string QueueDeclaration(QueueSpec queue)
        {
            // The type only when written, so that declarations of untyped queues read as they always have.
            string type = queue.Type is null ? string.Empty : $", global::TaskGen.QueueType.{queue.Type}";
            return $"new global::TaskGen.Transport.QueueDeclaration({Literal(queue.Name)}, {(queue.Broadcast ? "true" : "false")}{type})";
        }

        private static void WriteStub(SourceWriter w, TaskSpec task, EmitContext context)
        {
            ParameterSpec[] values = task.Parameters.Where(p => p.Role == ParameterRole.Value).ToArray();
            string optionsName = UniqueName("options", values);
            string tokenName = UniqueName("cancellationToken", values);
            // The task's queue as this assembly declares it, so that a send to it asks no registry at run time. A queue
            // declared only by a referenced assembly (or none, for the app's default queue) is still found by name.
            QueueSpec? queue = task.Queue is null ? null : context.Queues.FirstOrDefault(q => q.Name == task.Queue);

            // A task routed to a broadcast queue runs on every worker: its stub collects one reply per worker.
            bool broadcast = queue?.Broadcast == true;
            string resultKind = broadcast ? "global::TaskGen.BroadcastResult" : "global::TaskGen.AsyncResult";
            string resultType = task.Result is null ? resultKind : $"{resultKind}<{task.Result.FullName}>";
            string send = broadcast ? "Broadcast" : "Send";
            string signatureType = task.Result is null ? "global::TaskGen.Signature" : $"global::TaskGen.Signature<{task.Result.FullName}>";
            string descriptorType = task.Result is null ? "global::TaskGen.TaskDescriptor" : $"global::TaskGen.TaskDescriptor<{task.Result.FullName}>";
            string declared = string.Join(", ", values.Select(p => $"{p.Type!.FullName} {p.Identifier}{(p.DefaultValue is null ? string.Empty : " = " + p.DefaultValue)}"));
            string passed = string.Join(", ", values.Select(p => p.Identifier));
            string separator = values.Length > 0 ? ", " : string.Empty;
            string target = MethodPath(task);

            string method = target.Replace("global::", string.Empty);
            w.WriteLine(task.IsContract
                ? $"/// <summary>Calls the contract task <c>{task.TaskName}</c> on a worker whose assembly implements it.</summary>"
                : method == task.TaskName
                ? $"/// <summary>Calls <c>{method}</c> on a worker.</summary>"
                : $"/// <summary>Calls <c>{method}</c> on a worker, as the task <c>{task.TaskName}</c>.</summary>");
            w.WriteLine(s_generatedCode);
            w.OpenBlock($"{(task.IsPublic ? "public" : "internal")} static class {task.MethodName}");
            w.WriteLine("/// <summary>The name on the wire.</summary>");
            w.WriteLine($"public const string Name = {Literal(task.TaskName)};");
            w.WriteLine();
            w.WriteLine("/// <summary>Describes the task to senders.</summary>");
            string descriptorQueue = queue is null ? Literal(task.Queue ?? string.Empty) : QueueDeclaration(queue);
            string descriptorArguments = $"Name, {descriptorQueue}, global::TaskGen.Generated.{context.ModuleName}.DeclaredQueues";
            if (task.Result is not null)
            {
                descriptorArguments += ", " + ResultReader(task.Result, context.ModuleName);
            }

            w.WriteLine($"public static readonly {descriptorType} Descriptor = new({descriptorArguments});");
            w.WriteLine();
            w.WriteLine(broadcast
                ? "/// <summary>Sends the task to every worker of its queue without waiting.</summary>"
                : "/// <summary>Sends the task through the default app without waiting.</summary>");
            w.WriteLine($"public static {resultType} Delay({declared}) =>");
            w.Indent().WriteLine($"global::TaskGen.TaskApp.Default.{send}(Signature({passed}));").Unindent();
            w.WriteLine();
            w.WriteLine("/// <summary>Sends the task; completes once the broker confirms it.</summary>");
            w.WriteLine($"public static global::System.Threading.Tasks.Task<{resultType}> ApplyAsync({declared}{separator}global::TaskGen.TaskOptions? {optionsName} = null, global::System.Threading.CancellationToken {tokenName} = default) =>");
            w.Indent().WriteLine($"global::TaskGen.TaskApp.Default.{send}Async(Signature({passed}{separator}{optionsName}), {tokenName});").Unindent();
            w.WriteLine();
            w.WriteLine("/// <summary>Creates the call without sending it.</summary>");
            w.WriteLine($"public static {signatureType} Signature({declared}{separator}global::TaskGen.TaskOptions? {optionsName} = null) =>");
            WriteSignatureBody(w, values, optionsName, string.Empty, context);
            if (values.Length > 0)
            {
                // The first parameter is left for the previous result; its type (and its element type, for a chord
                // body's list) travels as typeof so a canvas built at run time is checked without reflection.
                TypeRef input = values[0].Type!;
                string element = input.Kind is WireKind.Array or WireKind.List or WireKind.Sequence ? $"typeof({input.Arguments[0].NonNullableName})" : "null";
                string partialType = task.Result is null ? "global::TaskGen.PartialSignature" : $"global::TaskGen.PartialSignature<{task.Result.FullName}>";
                ParameterSpec[] rest = values.Skip(1).ToArray();
                w.WriteLine();
                w.WriteLine($"/// <summary>Creates the call without its first argument (<c>{values[0].Name}</c>), which the previous result fills: a chain step, a chord body or a callback.</summary>");
                w.WriteLine($"public static {partialType} Partial({string.Join(", ", rest.Select(p => $"{p.Type!.FullName} {p.Identifier}{(p.DefaultValue is null ? string.Empty : " = " + p.DefaultValue)}").Append($"global::TaskGen.TaskOptions? {optionsName} = null"))}) =>");
                WriteSignatureBody(w, rest, optionsName, $"typeof({input.NonNullableName}), {element}, ", context);
            }

            if (task.IsContract)
            {
                WriteContractCodecs(w, task, values, context);
            }

            w.CloseBlock();
        }

        /// <summary>
        /// The stub of a task the build reports an error for: the members its callers use, with the signatures the task's
        /// declaration implies, each throwing. Callers keep compiling, so the build shows the TG error alone and not a
        /// CS error at every call site; the task gets no dispatch case.
        /// </summary>
        private static void WriteBlockedStub(SourceWriter w, TaskSpec task, EmitContext context, string blockedBy)
        {
            ParameterSpec[] values = task.Parameters.Where(p => p.Role == ParameterRole.Value).ToArray();
            string optionsName = UniqueName("options", values);
            string tokenName = UniqueName("cancellationToken", values);
            bool broadcast = task.Queue is not null && context.Queues.Any(q => q.Name == task.Queue && q.Broadcast);
            string resultKind = broadcast ? "global::TaskGen.BroadcastResult" : "global::TaskGen.AsyncResult";
            string? result = task.Result?.FullName;
            string resultType = result is null ? resultKind : $"{resultKind}<{result}>";
            string signatureType = result is null ? "global::TaskGen.Signature" : $"global::TaskGen.Signature<{result}>";

            string descriptorType = result is null ? "global::TaskGen.TaskDescriptor" : $"global::TaskGen.TaskDescriptor<{result}>";
            string declared = string.Join(", ", values.Select(p => $"{p.Type!.FullName} {p.Identifier}{(p.DefaultValue is null ? string.Empty : " = " + p.DefaultValue)}"));
            string separator = values.Length > 0 ? ", " : string.Empty;
            bool isUnsafe = values.Any(p => p.Type!.FullName.Contains("*"));
            string method = MethodPath(task).Replace("global::", string.Empty);
            string message = $"Task '{task.TaskName}' has build error {blockedBy}, so it can neither be sent nor run: fix what {blockedBy} reports on {method}.";

            // Overloads (TG0011) share one class: each writes its part, and the first the members there is one of.
            bool first = task.Overload == 0;
            if (first)
            {
                w.WriteLine($"/// <summary>Stands in for the stub of <c>{method}</c> while the build reports {blockedBy} for it: its members throw.</summary>");
                w.WriteLine(s_generatedCode);
            }

            w.OpenBlock($"{(task.IsPublic ? "public" : "internal")} static {(isUnsafe ? "unsafe " : string.Empty)}partial class {task.MethodName}");
            if (first)
            {
                w.WriteLine("/// <summary>The name on the wire.</summary>");
                w.WriteLine($"public const string Name = {Literal(task.TaskName)};");
                w.WriteLine();
                w.WriteLine($"/// <summary>Throws: the task has build error {blockedBy}.</summary>");
                w.WriteLine($"public static {descriptorType} Descriptor => throw Blocked();");
                w.WriteLine();
            }

            w.WriteLine($"/// <summary>Throws: the task has build error {blockedBy}.</summary>");
            w.WriteLine($"public static {resultType} Delay({declared}) => throw Blocked();");
            w.WriteLine();
            w.WriteLine($"/// <summary>Throws: the task has build error {blockedBy}.</summary>");
            w.WriteLine($"public static global::System.Threading.Tasks.Task<{resultType}> ApplyAsync({declared}{separator}global::TaskGen.TaskOptions? {optionsName} = null, global::System.Threading.CancellationToken {tokenName} = default) => throw Blocked();");
            w.WriteLine();
            w.WriteLine($"/// <summary>Throws: the task has build error {blockedBy}.</summary>");
            w.WriteLine($"public static {signatureType} Signature({declared}{separator}global::TaskGen.TaskOptions? {optionsName} = null) => throw Blocked();");
            if (values.Length > 0 && first)
            {
                string partialType = result is null ? "global::TaskGen.PartialSignature" : $"global::TaskGen.PartialSignature<{result}>";
                string rest = string.Join(", ", values.Skip(1).Select(p => $"{p.Type!.FullName} {p.Identifier}{(p.DefaultValue is null ? string.Empty : " = " + p.DefaultValue)}").Append($"global::TaskGen.TaskOptions? {optionsName} = null"));
                w.WriteLine();
                w.WriteLine($"/// <summary>Throws: the task has build error {blockedBy}.</summary>");
                w.WriteLine($"public static {partialType} Partial({rest}) => throw Blocked();");
            }

            if (first)
            {
                w.WriteLine();
                w.WriteLine($"private static global::System.InvalidOperationException Blocked() => new({Literal(message)});");
            }

            w.CloseBlock();
        }

        /// <summary>
        /// A contract stub's reader of a run's arguments and writer of its result, public for the generated dispatch of
        /// the assemblies that implement the contract: the data is read and written by the contract's own codecs and JSON
        /// context, so producers and workers cannot disagree on it, and the worker's assembly needs no context of its own.
        /// </summary>
        private static void WriteContractCodecs(SourceWriter w, TaskSpec task, ParameterSpec[] values, EmitContext context)
        {
            const string Hidden = "[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]";
            const string Invocation = "global::TaskGen.Worker.TaskInvocation";
            w.WriteLine();
            w.WriteLine("/// <summary>Reads a run's arguments on a worker; it exists for the generated code of the assemblies that implement the contract.</summary>");
            w.WriteLine(Hidden);
            if (values.Length == 0)
            {
                w.WriteLine($"public static void ReadArguments({Invocation} invocation) =>");
                w.Indent().WriteLine("global::TaskGen.Worker.TaskArgumentReader.ReadNone(invocation, invocation.Request.Name);").Unindent();
            }
            else
            {
                string type = values.Length == 1 ? values[0].Type!.FullName : "(" + string.Join(", ", values.Select(p => p.Type!.FullName)) + ")";
                w.WriteLine($"public static {type} ReadArguments({Invocation} invocation) =>");
                w.Indent();
                WriteReadCall(w, task, values, context, "s_parameterNames", string.Empty);
                w.Unindent();
                w.WriteLine();
                w.WriteLine($"private static readonly string[] s_parameterNames = new[] {{ {string.Join(", ", values.Select(p => Literal(p.Name)))} }};");
            }

            if (task.Result is { } result)
            {
                w.WriteLine();
                w.WriteLine("/// <summary>Records a run's result on a worker; it exists for the generated code of the assemblies that implement the contract.</summary>");
                w.WriteLine(Hidden);
                w.WriteLine($"public static void SetResult({Invocation} invocation, {result.FullName} result) =>");
                w.Indent().WriteLine($"invocation.SetResult(result, static (w, v) => {WriteExpression(result, "w", "v", 1, context.ModuleName)});").Unindent();
            }
        }

        /// <summary>
        /// The values travel through <c>TaskArguments.Of</c> with a static writer lambda rather than a class of
        /// the task's own: the runtime owns the array brackets, each task writes only its values, and the
        /// tuple's type is inferred instead of written out once more.
        /// </summary>
        private static void WriteSignatureBody(SourceWriter w, ParameterSpec[] values, string optionsName, string beforeOptions, EmitContext context)
        {
            w.Indent();
            if (values.Length == 0)
            {
                w.WriteLine($"new(Descriptor, global::TaskGen.Serialization.TaskArguments.None, {beforeOptions}{optionsName});");
            }
            else if (values.Length == 1)
            {
                string write = WriteExpression(values[0].Type!, "writer", "args", 1, context.ModuleName);
                w.WriteLine($"new(Descriptor, global::TaskGen.Serialization.TaskArguments.Of({values[0].Identifier}, static (writer, args) => {write}), {beforeOptions}{optionsName});");
            }
            else
            {
                string passed = "(" + string.Join(", ", values.Select(p => p.Identifier)) + ")";
                w.WriteLine($"new(Descriptor, global::TaskGen.Serialization.TaskArguments.Of({passed}, static (writer, args) =>");
                w.WriteLine("{");
                w.Indent();
                for (int i = 0; i < values.Length; i++)
                {
                    w.WriteLine(WriteExpression(values[i].Type!, "writer", $"args.Item{i + 1}", 1, context.ModuleName) + ";");
                }

                w.Unindent();
                w.WriteLine($"}}), {beforeOptions}{optionsName});");
            }

            w.Unindent();
        }

        private static void WriteInvoke(SourceWriter w, TaskSpec task, EmitContext context)
        {
            ParameterSpec[] values = task.Parameters.Where(p => p.Role == ParameterRole.Value).ToArray();
            bool isAsync = task.Returns is ReturnKind.Task or ReturnKind.TaskOfT or ReturnKind.ValueTask or ReturnKind.ValueTaskOfT;
            var arguments = new List<string>();
            int valueIndex = 0;
            foreach (ParameterSpec parameter in task.Parameters)
            {
                arguments.Add(parameter.Role switch
                {
                    ParameterRole.CancellationToken => "invocation.CancellationToken",
                    ParameterRole.Context => "invocation.Context",
                    ParameterRole.Service => $"invocation.GetRequiredService<{parameter.ServiceType}>()",
                    _ when values.Length == 1 => "arg",
                    _ => $"args.Item{++valueIndex}",
                });
            }

            string call = $"{MethodPath(task)}({string.Join(", ", arguments)})";
            w.OpenBlock($"private static {(isAsync ? "async " : string.Empty)}global::System.Threading.Tasks.ValueTask {InvokeName(task)}(global::TaskGen.Worker.TaskInvocation invocation)");
            if (values.Length > 0)
            {
                WriteReadCall(w, task, values, context, ParameterNamesName(task), null);
            }
            else
            {
                w.WriteLine("global::TaskGen.Worker.TaskArgumentReader.ReadNone(invocation, invocation.Request.Name);");
            }

            string awaited = isAsync ? $"await {call}.ConfigureAwait(false)" : call;
            if (task.Result is null)
            {
                w.WriteLine(awaited + ";");
            }
            else
            {
                w.WriteLine($"var result = {awaited};");
                w.WriteLine($"invocation.SetResult(result, static (w, v) => {WriteExpression(task.Result, "w", "v", 1, context.ModuleName)});");
            }

            if (!isAsync)
            {
                w.WriteLine("return default;");
            }

            w.CloseBlock();
        }

        /// <summary>
        /// Reads the arguments into a tuple through <c>TaskArgumentReader.Read</c>, which matches keywords, duplicates and
        /// missing arguments for every task: what is emitted is only the task's own names, defaults and one read per parameter.
        /// </summary>
        /// <param name="w">The writer.</param>
        /// <param name="task">The task.</param>
        /// <param name="values">Its data parameters.</param>
        /// <param name="context">The compilation facts.</param>
        /// <param name="names">The field holding the parameter names.</param>
        /// <param name="lead">What the call follows: null for <c>var arg =</c> or <c>var args =</c>, else the text itself.</param>
        private static void WriteReadCall(SourceWriter w, TaskSpec task, ParameterSpec[] values, EmitContext context, string names, string? lead)
        {
            int required = RequiredCount(values);
            string type;
            string defaults;
            if (values.Length == 1)
            {
                type = values[0].Type!.FullName;
                defaults = values[0].DefaultValue ?? "default!";
            }
            else
            {
                type = "(" + string.Join(", ", values.Select(p => p.Type!.FullName)) + ")";
                defaults = required == values.Length ? "default" : "(" + string.Join(", ", values.Select(p => p.DefaultValue ?? "default!")) + ")";
            }

            string head = $"global::TaskGen.Worker.TaskArgumentReader.Read(invocation, invocation.Request.Name, {names}, {required}, {defaults}, static (ref {Reader} r, int i, ref {type} v) =>";
            if (values.Length == 1)
            {
                w.WriteLine($"{lead ?? "var arg = "}{head} v = {ReadExpression(values[0].Type!, "r", 1, context.ModuleName)});");
                return;
            }

            w.WriteLine($"{lead ?? "var args = "}{head}");
            w.WriteLine("{").Indent();
            w.OpenBlock("switch (i)");
            for (int i = 0; i < values.Length; i++)
            {
                w.WriteLine($"case {i}: v.Item{i + 1} = {ReadExpression(values[i].Type!, "r", 1, context.ModuleName)}; break;");
            }

            w.CloseBlock();
            w.CloseBlock(");");
        }

        /// <summary>How many leading parameters have no default: C# puts optional parameters after all required ones.</summary>
        private static int RequiredCount(ParameterSpec[] values)
        {
            int required = 0;
            while (required < values.Length && values[required].DefaultValue is null)
            {
                required++;
            }

            return required;
        }

        /// <summary>The task's parameter names, which <c>TaskArgumentReader</c> matches keywords against and names in its errors.</summary>
        private static void WriteReadArguments(SourceWriter w, TaskSpec task)
        {
            ParameterSpec[] values = task.Parameters.Where(p => p.Role == ParameterRole.Value).ToArray();
            if (values.Length == 0)
            {
                return;
            }

            w.WriteLine();
            w.WriteLine($"private static readonly string[] {ParameterNamesName(task)} = new[] {{ {string.Join(", ", values.Select(p => Literal(p.Name)))} }};");
        }

        /// <summary>
        /// The descriptor's result reader: a primitive's <c>TaskJson</c> method as a method group, which the static field's
        /// initializer converts once; other types need a lambda that passes their element readers or contract.
        /// </summary>
        private static string ResultReader(TypeRef type, string module) =>
            type.Kind == WireKind.Primitive
                ? $"{Json}.Read{type.Helper}"
                : $"static (ref {Reader} reader) => {ReadExpression(type, "reader", 1, module)}";

        internal static string ReadExpression(TypeRef type, string reader, int depth, string module)
        {
            switch (type.Kind)
            {
                case WireKind.Primitive:
                    return $"{Json}.Read{type.Helper}(ref {reader})";
                case WireKind.Enum:
                    return $"{Json}.ReadEnum<{type.NonNullableName}>(ref {reader})";
                case WireKind.JsonObject:
                    return $"{Json}.ReadObject<{type.NonNullableName}>(ref {reader}, global::TaskGen.Generated.{module}.Contract<{type.NonNullableName}>.Info)";
                default:
                    TypeRef element = type.Arguments[0];
                    string method = type.Kind switch
                    {
                        WireKind.Nullable => "ReadNullable",
                        WireKind.Array => "ReadArray",
                        WireKind.Dictionary => "ReadDictionary",
                        _ => "ReadList",
                    };
                    string lambda = $"static (ref {Reader} r{depth}) => {ReadExpression(element, "r" + depth, depth + 1, module)}";
                    return $"{Json}.{method}<{element.FullName}>(ref {reader}, {lambda})";
            }
        }

        internal static string WriteExpression(TypeRef type, string writer, string value, int depth, string module)
        {
            switch (type.Kind)
            {
                case WireKind.Primitive:
                    return $"{Json}.Write{type.Helper}({writer}, {value})";
                case WireKind.Enum:
                    return $"{Json}.WriteEnum<{type.NonNullableName}>({writer}, {value})";
                case WireKind.JsonObject:
                    return $"{Json}.WriteObject<{type.NonNullableName}>({writer}, {value}, global::TaskGen.Generated.{module}.Contract<{type.NonNullableName}>.Info)";
                default:
                    TypeRef element = type.Arguments[0];
                    string method = type.Kind switch
                    {
                        WireKind.Nullable => "WriteNullable",
                        WireKind.Array => "WriteArray",
                        WireKind.List => "WriteList",
                        WireKind.Dictionary => "WriteDictionary",
                        _ => "WriteSequence",
                    };
                    string lambda = $"static (w{depth}, v{depth}) => {WriteExpression(element, "w" + depth, "v" + depth, depth + 1, module)}";
                    return $"{Json}.{method}<{element.FullName}>({writer}, {value}, {lambda})";
            }
        }

        private static string UniqueName(string preferred, ParameterSpec[] taken)
        {
            string name = preferred;
            while (taken.Any(p => p.Name == name))
            {
                name += "_";
            }

            return name;
        }

        private static string MethodPath(TaskSpec task) =>
            "global::" + string.Join(".", new[] { task.Namespace }.Where(n => n.Length > 0).Concat(task.Containers.Select(c => c.Name)).Concat(new[] { task.MethodName }));

        private static string StubPath(TaskSpec task) =>
            "global::" + string.Join(".", new[] { task.Namespace.Length == 0 ? "Remote" : task.Namespace + ".Remote" }.Concat(task.Containers.Select(c => c.Name)).Concat(new[] { task.MethodName }));

        private static string Mangled(TaskSpec task) =>
            string.Join("_", new[] { task.Namespace.Replace('.', '_') }.Where(n => n.Length > 0).Concat(task.Containers.Select(c => c.Name)).Concat(new[] { task.MethodName }));

        private static string InvokeName(TaskSpec task) => "Invoke_" + Mangled(task);

        private static string ImplementName(TaskSpec contract) => "Implement_" + Mangled(contract);

        private static string ParameterNamesName(TaskSpec task) => "Names_" + Mangled(task);

        /// <summary>
        /// The policy as an object initializer with only what the task wrote, so the runtime's defaults stay in one place;
        /// <c>RetryFor</c> becomes type tests, so no reflection decides whether an exception retries.
        /// </summary>
        private static string PolicyExpression(PolicySpec policy)
        {
            var settings = new List<string>();
            if (policy.MaxRetries is { } maxRetries)
            {
                settings.Add("MaxRetries = " + maxRetries.ToString(CultureInfo.InvariantCulture));
            }

            if (policy.RetryFor.Length > 0)
            {
                settings.Add("RetryFor = static exception => " + string.Join(" || ", policy.RetryFor.Select(type => "exception is " + type)));
            }

            if (policy.RetryBackoff is { } backoff)
            {
                settings.Add("RetryBackoff = " + Seconds(backoff));
            }

            if (policy.RetryBackoffMax is { } backoffMax)
            {
                settings.Add("RetryBackoffMax = " + Seconds(backoffMax));
            }

            if (policy.RetryJitter is { } jitter)
            {
                settings.Add("RetryJitter = " + (jitter ? "true" : "false"));
            }

            if (policy.DefaultRetryDelay is { } delay)
            {
                settings.Add("DefaultRetryDelay = " + Seconds(delay));
            }

            if (policy.RateLimit is { } rate)
            {
                settings.Add("RateLimit = " + Literal(rate));
            }

            return "new global::TaskGen.TaskPolicy { " + string.Join(", ", settings) + " }";
        }

        private static string Seconds(double seconds) =>
            "global::System.TimeSpan.FromSeconds(" + seconds.ToString("R", CultureInfo.InvariantCulture) + ")";

        private static string Literal(string value) => Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(value, quote: true);
    }
}
