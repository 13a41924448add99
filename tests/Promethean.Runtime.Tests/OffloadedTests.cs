namespace Promethean.Runtime.Tests;

public sealed class OffloadedTests
{
    /// <summary>Whoever claims the work first runs it (a pool thread or a caller); the rest wait for that run.</summary>
    [Fact]
    public void Result_AskedFromSeveralThreadsAtOnce_RunsTheWorkExactlyOnce()
    {
        for (var round = 0; round < 200; round++)
        {
            var runs = 0;
            var work = Offloaded.Start(() =>
            {
                Interlocked.Increment(ref runs);
                return round * 2;
            });
            var results = new int[4];
            Parallel.For(0, results.Length, i => results[i] = work.Result());
            results.ShouldAllBe(r => r == round * 2);
            runs.ShouldBe(1);
        }
    }

    [Fact]
    public void Result_OfFailedWork_RethrowsItsExceptionEveryTime()
    {
        var work = Offloaded.Start<int>(() => throw new InvalidOperationException("no hash"));
        Should.Throw<InvalidOperationException>(() => work.Result()).Message.ShouldBe("no hash");
        Should.Throw<InvalidOperationException>(() => work.Result()).Message.ShouldBe("no hash");
    }

    [Fact]
    public void Done_IsTheValue() => Offloaded.Done(42).Result().ShouldBe(42);
}
