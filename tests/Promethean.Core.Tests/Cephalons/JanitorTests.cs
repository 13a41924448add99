using Promethean.Core.Cephalons;
using Promethean.Core.Components;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Shouldly;

namespace Promethean.Core.Tests.Cephalons;

public sealed class JanitorTests
{
    private static LlmChat ReportChat(CephalonRig rig, Event trigger)
    {
        rig.Step(trigger);
        var embed = rig.Single<LlmEmbed>(rig.Janitor);
        rig.Step(CephalonRig.Vector(embed));
        return rig.Single<LlmChat>(rig.Janitor);
    }

    [Fact]
    public void Timer_AssemblesTheFactsThroughTheContextPath_AndWritesAndPostsTheReport()
    {
        using var rig = new CephalonRig();
        rig.Step(
            CephalonRig.Message("a", "ada", "The vault sync fails when two editors hold the lock.", rig.TimeMs, channel: "43"),
            CephalonRig.Message("a", "ada", "The vault sync fails when two editors hold the lock.", rig.TimeMs, channel: "43"),
            CephalonRig.Message("b", "brian", "The vault sync fails when two editors hold the lock.", rig.TimeMs + 5, channel: "43"));

        var chat = ReportChat(rig, new TimerTick("janitor", rig.TimeMs));
        chat.Meta["contract"].ShouldBe(CephalonContracts.Janitor);
        var facts = chat.Messages[^1].Content;
        facts.ShouldContain("## Memories created");
        facts.ShouldContain("discord.message: 1");
        facts.ShouldContain("source-id: 1");
        facts.ShouldContain("content-hash: 1");
        facts.ShouldContain("## Embedding backlog");
        facts.ShouldContain("## Sentinel outcomes");
        facts.ShouldContain("## LLM calls per session and model");
        facts.ShouldContain("## Compaction plan");
        chat.Meta.ShouldContainKey("tokens.recent");

        rig.Step(CephalonRig.Answer(chat, "# Janitor report\nAll quiet."));
        var write = rig.Single<FsWrite>(rig.Janitor);
        write.Path.ShouldStartWith("reports/janitor-");
        write.Content.ShouldBe("# Janitor report\nAll quiet.\n");
        rig.Single<DiscordSend>(rig.Janitor).ChannelId.ShouldBe("77");
        rig.World.Sessions[rig.Janitor].Baseline[JanitorFacts.AtKey].ShouldBeGreaterThan(0);
    }

    [Fact]
    public void SecondReport_CountsOnlyWhatHappenedSinceTheFirst()
    {
        using var rig = new CephalonRig();
        rig.Step(CephalonRig.Message("a", "ada", "first fact about deploys", rig.TimeMs, channel: "43"),
            CephalonRig.Message("a", "ada", "first fact about deploys", rig.TimeMs, channel: "43"));
        rig.Step(CephalonRig.Answer(ReportChat(rig, new JanitorReportRequested("test")), "first report"));

        rig.Step(CephalonRig.Message("c", "chen", "a later fact about budgets", rig.TimeMs + 60_000, channel: "43"));
        var facts = ReportChat(rig, new TimerTick("janitor", rig.TimeMs)).Messages[^1].Content;
        facts.ShouldContain("covering the time since");
        facts.ShouldNotContain("source-id", Case.Sensitive, "the one re-delivery was reported last time");
    }

    [Fact]
    public void OtherTimers_DoNotTriggerAReport()
    {
        using var rig = new CephalonRig();
        rig.Step(new TimerTick("backup", rig.TimeMs));
        rig.World.Effects.ShouldNotContain(e => e.Meta.GetValueOrDefault("session") == rig.Janitor.ToString());
        rig.World.Sessions[rig.Janitor].Status.ShouldBe(SessionStatus.Idle);
        rig.World.Sessions[rig.Janitor].Recent.ShouldHaveSingleItem().Text.ShouldBe("timer backup fired");
    }
}
