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
    /// returns every part's state and result in <c>group_index</c> order and deletes the chord's keys. A part that shows the
    /// chord cannot complete (an index out of range, more parts than its size, a carried size that contradicts <c>.s</c>)
    /// ends it in the same step, so that no later part starts the body. <c>carriedSize</c>, the size a TaskGen producer sent
    /// with the part's message (null for Celery's), stands in for a missing <c>.s</c> key.
    /// </summary>
    ValueTask<ChordPartReturn> OnChordPartReturnAsync(string groupId, string taskId, int? groupIndex, int? carriedSize, TaskState state, ResultBody result, CancellationToken cancellationToken);
}

/// <summary>What one chord part's return decided.</summary>
internal enum ChordPartOutcome
{
    /// <summary>Counted; more parts are due.</summary>
    Counted,

    /// <summary>Counted, but the chord has no size key and the part carried none, so it waits for the size as Celery's does.</summary>
    WaitingForSize,

    /// <summary>This part completed the chord: every part is returned and the chord's keys are gone.</summary>
    Joined,

    /// <summary>The chord was already ended by an earlier part that found it broken; this part changes nothing.</summary>
    AlreadyEnded,

    /// <summary>The part's <c>group_index</c> lies outside the chord's size; the chord is ended.</summary>
    IndexOutOfRange,

    /// <summary>More parts came in than the chord's size; the chord is ended.</summary>
    SizeExceeded,

    /// <summary>The size the part carried differs from the <c>.s</c> key; the chord is ended.</summary>
    SizeConflict,
}

/// <summary>One finished chord part as the last part reads it back: its id, state, and the result or encoded exception.</summary>
internal readonly record struct ChordPart(string TaskId, TaskState State, System.ReadOnlyMemory<byte> ResultJson);

/// <summary>
/// What one part's return found: the outcome, how many parts are in, how many the chord waits for (null while its size is
/// not set, which is normal until the producer sends the last header message), for the part that completed it every
/// part, and whether the total came from the part's carried size because the <c>.s</c> key was missing.
/// </summary>
internal readonly record struct ChordPartReturn(ChordPartOutcome Outcome, int Ready, int? Total, IReadOnlyList<ChordPart>? Parts, bool SizeFromMessage = false);
