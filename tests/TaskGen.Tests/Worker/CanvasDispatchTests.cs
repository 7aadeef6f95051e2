using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TaskGen.Protocol;
using TaskGen.Worker;

namespace TaskGen.Tests.Worker;

/// <summary>Signatures of every kind started as Celery's apply_async starts them, and chord sizes counted as Celery's _descend counts them.</summary>
public sealed class CanvasDispatchTests
{
    private static readonly CanvasDispatch.Origin From = new("parent-1", "root-1", "gen1@host");

    private static string Sig(string task, string args = "[]", string options = "{}", bool immutable = false) =>
        $$"""{"task": "{{task}}", "args": {{args}}, "kwargs": {}, "options": {{options}}, "subtask_type": null, "immutable": {{(immutable ? "true" : "false")}}}""";

    private static string Group(params string[] members) =>
        $$"""{"task": "celery.group", "args": [], "kwargs": {"tasks": [{{string.Join(", ", members)}}]}, "options": {}, "subtask_type": "group", "immutable": false}""";

    private static string GroupWithId(string id, params string[] members) =>
        $$"""{"task": "celery.group", "args": [], "kwargs": {"tasks": [{{string.Join(", ", members)}}]}, "options": {"task_id": "{{id}}"}, "subtask_type": "group", "immutable": false}""";

    private static string Chain(params string[] steps) =>
        $$"""{"task": "celery.chain", "args": [], "kwargs": {"tasks": [{{string.Join(", ", steps)}}]}, "options": {}, "subtask_type": "chain", "immutable": false}""";

    private static string Chord(string header, string body) =>
        $$"""{"task": "celery.chord", "args": [], "kwargs": {"kwargs": {}, "header": {{header}}, "body": {{body}}}, "options": {}, "subtask_type": "chord", "immutable": false}""";

    private static int Descend(string json) => CanvasDispatch.Descend(JsonNode.Parse(json));

    private static List<TaskEnvelope> Sent(List<CanvasDispatch.Step> steps) => steps.Where(s => s.Send is not null).Select(s => s.Send!.Envelope).ToList();

    private static string Args(TaskEnvelope envelope)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            envelope.Arguments.WriteArgs(writer);
        }

        return JsonNode.Parse(buffer.WrittenSpan)!.ToJsonString();
    }

    private static JsonObject EmbedOf(TaskEnvelope envelope) => (JsonObject)JsonNode.Parse(envelope.Embed.Span)!;

    [Fact]
    public void ASimpleSignatureCountsAsOnePart() => Assert.Equal(1, Descend(Sig("a")));

    [Fact]
    public void EachMemberOfANestedGroupCountsTowardTheChord() =>
        Assert.Equal(4, Descend(Group(Sig("a"), Group(Sig("b"), Group(Sig("c"), Sig("d"))))));

    [Fact]
    public void AChainCountsOnlyItsLastElementThatCounts() =>
        Assert.Equal(3, Descend(Chain(Sig("a"), Group(Sig("b"), Sig("c"), Sig("d")), Group())));

    [Fact]
    public void AChainOfNothingThatCountsCountsZero() => Assert.Equal(0, Descend(Chain(Group(), Group())));

    [Fact]
    public void AChordCountsItsBody() => Assert.Equal(2, Descend(Chord(Group(Sig("a"), Sig("b"), Sig("c")), Group(Sig("x"), Sig("y")))));

    [Fact]
    public void AListOfSignaturesCountsByItsLength() => Assert.Equal(3, Descend($"[{Sig("a")}, {Sig("b")}, {Sig("c")}]"));

    [Fact]
    public void ASimpleSignatureGetsTheResultPrependedAndKeepsItsOptions()
    {
        List<CanvasDispatch.Step> steps = CanvasDispatch.Start(Sig("t.add", "[2]", """{"task_id": "fixed", "queue": "q1", "reply_to": "r1", "priority": 7}"""), "40", From);

        TaskEnvelope sent = Assert.Single(Sent(steps));
        Assert.Equal("fixed", sent.Id);
        Assert.Equal("t.add", sent.Name);
        Assert.Equal("[40,2]", Args(sent));
        Assert.Equal("q1", steps[0].Send!.Queue);
        Assert.Equal("r1", sent.ReplyTo);
        Assert.Equal(7, sent.Priority);
        Assert.Equal("parent-1", sent.ParentId);
        Assert.Equal("root-1", sent.RootId);
        Assert.True(sent.Embed.IsEmpty);
    }

    [Fact]
    public void AnImmutableSignatureKeepsItsOwnArguments()
    {
        TaskEnvelope sent = Assert.Single(Sent(CanvasDispatch.Start(Sig("t.add", "[1, 2]", immutable: true), "40", From)));

        Assert.Equal("[1,2]", Args(sent));
    }

    [Fact]
    public void AGroupSendsEveryMemberWithTheGroupIdItsIndexAndThePartialArguments()
    {
        List<TaskEnvelope> sent = Sent(CanvasDispatch.Start(GroupWithId("g1", Sig("a", "[1]"), Group(Sig("b"), Sig("c"))), "9", From));

        Assert.Equal(["a", "c", "b"], sent.Select(e => e.Name));
        Assert.All(sent, e => Assert.Equal("g1", e.Group));
        Assert.Equal([0, 1, 2], sent.Select(e => e.GroupIndex ?? -1));
        Assert.Equal(["[9,1]", "[9]", "[9]"], sent.Select(Args));
    }

    [Fact]
    public void NestedGroupsAreUnrolledInCelerysOrderWhichReversesEachNestedGroup()
    {
        List<TaskEnvelope> sent = Sent(CanvasDispatch.Start(Group(Sig("1"), Group(Sig("2"), Group(Sig("3"), Sig("4")))), null, From));

        // Celery pushes a nested group's members back onto the left of its stack one by one: 1, then 4, 3, 2.
        Assert.Equal(["1", "4", "3", "2"], sent.Select(e => e.Name));
    }

    [Fact]
    public void AChordSetsItsSizeBeforeTheLastHeaderMessageAndEveryPartCarriesTheBody()
    {
        List<CanvasDispatch.Step> steps = CanvasDispatch.Start(Chord(GroupWithId("g2", Sig("a"), Group(Sig("b"), Sig("c"))), Sig("body", options: """{"task_id": "body-id"}""")), null, From);

        Assert.Equal(4, steps.Count);
        Assert.Null(steps[2].Send);
        Assert.Equal("g2", steps[2].ChordGroupId);
        Assert.Equal(3, steps[2].ChordSize);
        List<TaskEnvelope> sent = Sent(steps);
        Assert.All(sent, e => Assert.Equal("g2", e.Group));
        Assert.All(sent, e => Assert.Equal("body-id", EmbedOf(e)["chord"]!["options"]!["task_id"]!.GetValue<string>()));
    }

    [Fact]
    public void EveryChordHeaderMessageCarriesTheChordSizeAndAPlainGroupMessageCarriesNone()
    {
        List<TaskEnvelope> chord = Sent(CanvasDispatch.Start(Chord(GroupWithId("g5", Sig("a"), Group(Sig("b"), Sig("c"))), Sig("body")), null, From));
        List<TaskEnvelope> group = Sent(CanvasDispatch.Start(GroupWithId("g6", Sig("a"), Sig("b")), null, From));

        Assert.Equal(3, chord.Count);
        Assert.All(chord, e => Assert.Equal(3, e.ExtraHeaders![TaskRequest.ChordSizeHeader]));
        Assert.All(group, e => Assert.Null(e.ExtraHeaders));
    }

    [Fact]
    public void AChordBodyWithoutATaskIdIsGivenOneSoItsResultCanBeFound()
    {
        List<TaskEnvelope> sent = Sent(CanvasDispatch.Start(Chord(Group(Sig("a")), Sig("body")), null, From));

        Assert.False(string.IsNullOrEmpty(EmbedOf(sent[0])["chord"]!["options"]!["task_id"]!.GetValue<string>()));
    }

    [Fact]
    public void ABodysIdAndErrbacksAreReadFromItsOptions()
    {
        JsonNode body = JsonNode.Parse(Sig("body", options: $$"""{"task_id": "b1", "link_error": {{Sig("bad")}}}"""))!;

        Assert.Equal("b1", CanvasDispatch.TaskId(body));
        Assert.Equal("bad", Assert.Single(CanvasDispatch.ErrorCallbacks(body))!["task"]!.GetValue<string>());
    }

    [Fact]
    public void AChordOverAnEmptyHeaderCallsTheBodyWithAnEmptyList()
    {
        TaskEnvelope sent = Assert.Single(Sent(CanvasDispatch.Start(Chord(Group(), Sig("body")), null, From)));

        Assert.Equal("body", sent.Name);
        Assert.Equal("[[]]", Args(sent));
    }

    [Fact]
    public void AChainSendsItsFirstStepWithTheRestLastFirstInTheEmbed()
    {
        TaskEnvelope sent = Assert.Single(Sent(CanvasDispatch.Start(Chain(Sig("a"), Sig("b"), Sig("c")), "1", From)));

        Assert.Equal("a", sent.Name);
        Assert.Equal("[1]", Args(sent));
        Assert.Equal(["c", "b"], EmbedOf(sent)["chain"]!.AsArray().Select(s => s!["task"]!.GetValue<string>()));
    }

    [Fact]
    public void AGroupFollowedByMoreStepsBecomesAChordWhoseBodyIsTheRest()
    {
        List<CanvasDispatch.Step> steps = CanvasDispatch.Start(Chain(Group(Sig("a"), Sig("b")), Sig("c")), null, From);

        Assert.Contains(steps, s => s.ChordSize == 2);
        List<TaskEnvelope> sent = Sent(steps);
        Assert.Equal(["a", "b"], sent.Select(e => e.Name));
        Assert.All(sent, e => Assert.Equal("c", EmbedOf(e)["chord"]!["task"]!.GetValue<string>()));
    }

    [Fact]
    public void AChordInsideAChordHeaderReturnsThroughItsBodyAsOnePartOfTheOuterChord()
    {
        string inner = Chord(Group(Sig("c"), Sig("d")), Sig("inner-body"));
        List<CanvasDispatch.Step> steps = CanvasDispatch.Start(Chord(GroupWithId("outer", Sig("a"), inner), Sig("outer-body")), null, From);

        Assert.Equal(2, steps.Single(s => s.ChordGroupId == "outer").ChordSize);
        TaskEnvelope c = Sent(steps).Single(e => e.Name == "c");
        JsonNode innerBody = EmbedOf(c)["chord"]!;
        Assert.Equal("inner-body", innerBody["task"]!.GetValue<string>());
        Assert.Equal("outer", innerBody["options"]!["group_id"]!.GetValue<string>());
        Assert.Equal(1, innerBody["options"]!["group_index"]!.GetValue<int>());
        Assert.Equal("outer-body", innerBody["options"]!["chord"]!["task"]!.GetValue<string>());

        // Started later as the inner chord's body, it goes out as a part of the outer chord.
        TaskEnvelope started = Assert.Single(Sent(CanvasDispatch.Start(innerBody, "[1, 2]", From)));
        Assert.Equal("outer", started.Group);
        Assert.Equal(1, started.GroupIndex);
        Assert.Equal("outer-body", EmbedOf(started)["chord"]!["task"]!.GetValue<string>());
    }

    [Fact]
    public void ANestedChordWhoseBodyIsAChainCountsTowardTheOuterChordThroughTheChainsLastStep()
    {
        string inner = Chord(Group(Sig("c"), Sig("d")), Chain(Sig("x"), Sig("y")));
        List<CanvasDispatch.Step> steps = CanvasDispatch.Start(Chord(GroupWithId("outer", Sig("a"), inner), Sig("outer-body")), null, From);
        JsonNode innerBody = EmbedOf(Sent(steps).Single(e => e.Name == "c"))["chord"]!;

        TaskEnvelope x = Assert.Single(Sent(CanvasDispatch.Start(innerBody, "[1, 2]", From)));
        Assert.Equal("x", x.Name);
        JsonNode y = EmbedOf(x)["chain"]![0]!;
        Assert.Equal("outer", y["options"]!["group_id"]!.GetValue<string>());
        Assert.Equal(1, y["options"]!["group_index"]!.GetValue<int>());
        Assert.Equal("outer-body", y["options"]!["chord"]!["task"]!.GetValue<string>());
    }

    [Fact]
    public void ANestedChordWhoseBodyIsAGroupSendsItsMembersAsPartsOfTheOuterChordWithoutSettingItsSize()
    {
        string inner = Chord(Group(Sig("c")), Group(Sig("x"), Sig("y")));
        List<CanvasDispatch.Step> steps = CanvasDispatch.Start(Chord(GroupWithId("outer", Sig("a"), inner), Sig("outer-body")), null, From);
        Assert.Equal(3, steps.Single(s => s.ChordGroupId == "outer").ChordSize);
        JsonNode innerBody = EmbedOf(Sent(steps).Single(e => e.Name == "c"))["chord"]!;

        List<CanvasDispatch.Step> bodySteps = CanvasDispatch.Start(innerBody, "[1]", From);

        Assert.DoesNotContain(bodySteps, s => s.ChordGroupId is not null);
        Assert.All(Sent(bodySteps), e =>
        {
            Assert.Equal("outer", e.Group);
            Assert.Equal("outer-body", EmbedOf(e)["chord"]!["task"]!.GetValue<string>());
        });
    }

    [Fact]
    public void AStepsCountdownExpiryTimeLimitsAndIgnoreResultOptionsReachItsMessage()
    {
        DateTimeOffset before = DateTimeOffset.UtcNow;
        TaskEnvelope sent = Assert.Single(Sent(CanvasDispatch.Start(
            Sig("a", options: """{"countdown": 30, "expires": 60.5, "time_limit": 10, "soft_time_limit": 5.5, "ignore_result": true}"""), null, From)));
        DateTimeOffset after = DateTimeOffset.UtcNow;

        Assert.InRange(sent.Eta!.Value, before.AddSeconds(30), after.AddSeconds(30));
        Assert.InRange(sent.Expires!.Value, before.AddSeconds(60.5), after.AddSeconds(60.5));
        Assert.Equal((TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5.5)), sent.TimeLimit);
        Assert.True(sent.IgnoreResult);
    }

    [Fact]
    public void AStepsEtaAndExpiresGivenAsIsoMomentsReachItsMessage()
    {
        TaskEnvelope sent = Assert.Single(Sent(CanvasDispatch.Start(
            Sig("a", options: """{"eta": "2030-01-02T03:04:05+00:00", "expires": "2030-01-03T00:00:00Z"}"""), null, From)));

        Assert.Equal(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero), sent.Eta);
        Assert.Equal(new DateTimeOffset(2030, 1, 3, 0, 0, 0, TimeSpan.Zero), sent.Expires);
        Assert.False(sent.IgnoreResult);
    }

    [Fact]
    public void AChainInAChordHeaderCarriesTheGroupOnItsLastStep()
    {
        List<CanvasDispatch.Step> steps = CanvasDispatch.Start(Chord(GroupWithId("g3", Chain(Sig("a"), Sig("b")), Sig("c")), Sig("body")), null, From);

        TaskEnvelope a = Sent(steps).Single(e => e.Name == "a");
        Assert.Null(a.Group);
        JsonNode next = EmbedOf(a)["chain"]![0]!;
        Assert.Equal("g3", next["options"]!["group_id"]!.GetValue<string>());
        Assert.Equal(0, next["options"]!["group_index"]!.GetValue<int>());
        Assert.Equal(2, steps.Single(s => s.ChordGroupId == "g3").ChordSize);
    }

    [Fact]
    public void LinksAndErrbacksOfASignatureTravelInItsEmbed()
    {
        TaskEnvelope sent = Assert.Single(Sent(CanvasDispatch.Start(Sig("a", options: $$"""{"link": {{Sig("ok")}}, "link_error": [{{Sig("bad")}}]}"""), null, From)));

        Assert.Equal("ok", EmbedOf(sent)["callbacks"]![0]!["task"]!.GetValue<string>());
        Assert.Equal("bad", EmbedOf(sent)["errbacks"]![0]!["task"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"task": "a", "subtask_type": "xmap"}""")]
    [InlineData("""{"args": []}""")]
    [InlineData("""[1, 2]""")]
    [InlineData("""{"task": "celery.chord", "subtask_type": "chord", "kwargs": {"header": []}}""")]
    public void ASignatureCeleryDoesNotWriteIsRefusedWithAReason(string json)
    {
        FormatException refused = Assert.Throws<FormatException>(() => CanvasDispatch.Start(json, null, From));

        Assert.False(string.IsNullOrWhiteSpace(refused.Message));
    }

    [Theory]
    [InlineData("""{"exc_type": "ValueError", "exc_message": ["boom"], "exc_module": "builtins"}""", "ValueError('boom')")]
    [InlineData("""{"exc_type": "KeyError", "exc_message": ["it's"], "exc_module": "builtins"}""", "KeyError(\"it's\")")]
    [InlineData("""{"exc_type": "E", "exc_message": ["a", 1, null, true], "exc_module": "m"}""", "E('a', 1, None, True)")]
    [InlineData("""{"exc_type": "E", "exc_message": [], "exc_module": "m"}""", "E()")]
    [InlineData("""{"exc_type": "E", "exc_message": "line\n'q'\"", "exc_module": "m"}""", "E('line\\n\\'q\\'\"')")]
    public void AFailedPartIsNamedAsPythonsReprShowsItsException(string json, string repr) =>
        Assert.Equal(repr, ChordErrors.Repr(Encoding.UTF8.GetBytes(json)));
}
