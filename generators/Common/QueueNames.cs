using System;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;

namespace TaskGen.Common;

/// <summary>What makes a queue declaration usable and how its generated constant is named, one rule for the generator and the analyzers.</summary>
internal static class QueueNames
{
    /// <summary>The queue of a task that names none, as in Celery.</summary>
    public const string DefaultQueue = "celery";

    /// <summary>The value of <c>QueueType.Classic</c>.</summary>
    public const int ClassicType = 1;

    /// <summary>The value of <c>QueueType.Quorum</c>.</summary>
    public const int QuorumType = 2;

    /// <summary>The <c>Type</c> a <c>[TaskQueue]</c> attribute sets, as the enum's value (0, the default, when unset).</summary>
    public static int QueueTypeOf(AttributeData attribute) =>
        attribute.NamedArguments.FirstOrDefault(a => a.Key == "Type").Value.Value is int type ? type : 0;

    /// <summary>Whether a <c>[TaskQueue]</c> attribute declares a broadcast queue.</summary>
    public static bool IsBroadcast(AttributeData attribute) =>
        attribute.NamedArguments.Any(a => a.Key == "Broadcast" && a.Value.Value is true);

    /// <summary>Says why a queue name cannot be used on the broker, or returns null when it can.</summary>
    public static string? Invalid(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "a queue needs a name, so give one (or leave Queue unset for the default queue 'celery')";
        }

        if (name.StartsWith("amq.", StringComparison.Ordinal))
        {
            return "names starting with 'amq.' are reserved by the broker, so choose another name";
        }

        int bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > 255)
        {
            return $"it is {bytes} bytes long in UTF-8 and the broker allows at most 255, so shorten it";
        }

        return null;
    }

    /// <summary>The namespace of an assembly's generated <c>Queues</c> class.</summary>
    public static string QueuesNamespace(string? assemblyName)
    {
        string ns = string.Join(".", (assemblyName ?? "Tasks").Split('.').Where(p => p.Length > 0).Select(TaskNames.ToIdentifier));
        return ns.Length == 0 ? "Tasks" : ns;
    }
}
