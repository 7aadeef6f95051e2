using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;

namespace TaskGen.Results;

/// <summary>
/// The group and chord keys of a result backend that keeps results by id, in Celery's Redis layout
/// (<c>celery-taskset-meta-&lt;gid&gt;</c> and its <c>.j</c>, <c>.t</c>, <c>.s</c> keys), shared by producers and workers of
/// either language. <c>rpc://</c> has none, so groups cannot be saved and chords are refused there, as Celery refuses them.
/// </summary>
internal interface IGroupStore
{
    /// <summary>Saves a group's member ids as Celery's <c>GroupResult.save()</c> does.</summary>
    ValueTask SaveGroupAsync(string groupId, IReadOnlyList<string> taskIds, CancellationToken cancellationToken);

    /// <summary>Reads the member ids of a saved group, or null when none is saved under that id.</summary>
    ValueTask<IReadOnlyList<string>?> RestoreGroupAsync(string groupId, CancellationToken cancellationToken);

    /// <summary>Sets the number of parts a chord waits for (the <c>.s</c> key), before the last header message goes out.</summary>
    ValueTask SetChordSizeAsync(string groupId, int size, CancellationToken cancellationToken);

    /// <summary>
    /// Records that one chord part finished (Celery's <c>on_chord_part_return</c>, atomically) and, when it was the last,
    /// returns every part's state and result in <c>group_index</c> order and deletes the chord's keys.
    /// </summary>
    ValueTask<ChordPartReturn> OnChordPartReturnAsync(string groupId, string taskId, int? groupIndex, TaskState state, ResultBody result, CancellationToken cancellationToken);
}

/// <summary>One finished chord part as the last part reads it back: its id, state, and the result or encoded exception.</summary>
internal readonly record struct ChordPart(string TaskId, TaskState State, System.ReadOnlyMemory<byte> ResultJson);

/// <summary>
/// What one part's return found: how many parts are in, how many the chord waits for (null while its size is not set,
/// which is normal until the producer sends the last header message), and, for the part that completed it, every part.
/// </summary>
internal readonly record struct ChordPartReturn(int Ready, int? Total, IReadOnlyList<ChordPart>? Parts);
