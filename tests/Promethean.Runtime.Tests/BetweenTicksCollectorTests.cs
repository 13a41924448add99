namespace Promethean.Runtime.Tests;

public sealed class BetweenTicksCollectorTests
{
    private static byte[] _sink = [];

    [Fact]
    public void CollectIfDue_CollectsGen0OnceTheThresholdIsAllocatedAndNotBefore()
    {
        var collector = new BetweenTicksCollector(2 << 20);
        collector.CollectIfDue().ShouldBeFalse(); // nothing allocated yet worth a collection

        // Other tests allocate too, and the runtime may collect on its own meanwhile (the collector then counts from
        // there), so allocate in small steps until it is due.
        var collected = false;
        for (var i = 0; i < 4000 && !collected; i++)
        {
            _sink = new byte[256 << 10];
            var before = GC.CollectionCount(0);
            collected = collector.CollectIfDue();
            if (collected)
                GC.CollectionCount(0).ShouldBeGreaterThan(before);
        }
        collected.ShouldBeTrue();
        collector.CollectIfDue().ShouldBeFalse(); // just collected
    }

    [Fact]
    public void CollectIfDue_ThresholdZero_LeavesCollectionsToTheRuntime()
    {
        var collector = new BetweenTicksCollector(0);
        for (var i = 0; i < 64; i++)
        {
            _sink = new byte[256 << 10];
            collector.CollectIfDue().ShouldBeFalse();
        }
        _sink.Length.ShouldBe(256 << 10);
    }
}
