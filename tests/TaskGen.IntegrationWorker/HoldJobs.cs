using TaskGen;

namespace TaskGen.IntegrationWorker;

/// <summary>Tasks a worker holds before it runs them, for the tests of how long a hold may last.</summary>
public static class HoldJobs
{
    /// <summary>Records its run as <see cref="Jobs.Record"/> does, at most twelve times a minute per worker.</summary>
    [Task(Queue = "work", RateLimit = "12/m")]
    public static int RecordLimited(string path, int id) => Jobs.Record(path, id);
}
