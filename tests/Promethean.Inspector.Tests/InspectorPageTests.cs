using Microsoft.Playwright;

namespace Promethean.Inspector.Tests;

/// <summary>One scripted run and one inspector shared by the page tests; each test advances the run as it needs.</summary>
public sealed class InspectorPageFixture : IAsyncLifetime
{
    public InspectorRun Run { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Run = await InspectorRun.StartAsync(prices: new Runtime.Config.ModelPrice { InputPerMillion = 2, OutputPerMillion = 10 });
        await Run.AdvanceAsync(6);
    }

    public async Task DisposeAsync() => await Run.DisposeAsync();
}

/// <summary>The inspector page in Debian's chromium, against a live scripted run.</summary>
public sealed class InspectorPageTests(InspectorPageFixture fixture, Browser browser) : IClassFixture<InspectorPageFixture>, IClassFixture<Browser>
{
    private const float Timeout = 15_000;

    private async Task<IPage> OpenAsync()
    {
        var page = await browser.Instance.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1300 } });
        page.SetDefaultTimeout(Timeout);
        await page.GotoAsync(fixture.Run.Server!.Address.ToString());
        await page.WaitForFunctionAsync("() => document.getElementById('connection').textContent === 'live'");
        return page;
    }

    private static async Task ShotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.ScreenshotDir, name + ".png"), FullPage = true });

    [Fact]
    public async Task Page_Loaded_ShowsTickSessionsAndSystemChart()
    {
        var page = await OpenAsync();
        (await page.TitleAsync()).ShouldBe("Promethean inspector");
        await page.WaitForFunctionAsync("() => Number(document.getElementById('tick').textContent) > 0");
        await page.Locator("#sessions tbody tr").Filter(new LocatorFilterOptions { HasText = "c3-symbolic" }).WaitForAsync();
        (await page.Locator("#system-chart rect").CountAsync()).ShouldBeGreaterThan(0);
        (await page.Locator("#events li").CountAsync()).ShouldBeGreaterThan(0);
        (await page.Locator("#counters").InnerTextAsync()).ShouldContain("events.in.discord.message/new");
        (await page.Locator("#taps").InnerTextAsync()).ShouldContain("after-routing");
        await ShotAsync(page, "inspector-overview");
    }

    [Fact]
    public async Task TickCounter_RunAdvances_CounterAdvancesLive()
    {
        var page = await OpenAsync();
        var before = long.Parse(await page.Locator("#tick").InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);
        await fixture.Run.AdvanceAsync(5);
        var after = fixture.Run.Engine.World.Tick;
        after.ShouldBeGreaterThan(before);
        await page.WaitForFunctionAsync($"() => Number(document.getElementById('tick').textContent) >= {after}");
        (await page.Locator("[data-testid=journal-tick]").InnerTextAsync()).ShouldNotBeNullOrWhiteSpace();
        await ShotAsync(page, "inspector-tick-advanced");
    }

    [Fact]
    public async Task MemorySearch_KnownWords_ShowsHitsWithScoreBreakdown()
    {
        var page = await OpenAsync();
        await page.Locator("#memory-query").FillAsync("deploy checks");
        await page.Locator("#memory-form button").ClickAsync();
        var hits = page.Locator("[data-testid=memory-hit]");
        await hits.First.WaitForAsync();
        (await hits.CountAsync()).ShouldBeGreaterThan(0);
        var first = await hits.First.InnerTextAsync();
        first.ShouldContain("Deploy finished");
        first.ShouldContain("keyword");
        first.ShouldContain("recency");
        await ShotAsync(page, "inspector-memory-search");
    }

    [Fact]
    public async Task ContextPanel_AfterLlmChat_ShowsSectionTokenCounts()
    {
        var page = await OpenAsync();
        var sections = page.Locator("[data-testid=context-section]");
        await sections.First.WaitForAsync();
        foreach (var (name, tokens) in TestCephalon.Sections)
        {
            var row = page.Locator($"[data-testid=context-section][data-section={name}]");
            (await row.InnerTextAsync()).ShouldContain(tokens.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        (await page.Locator("[data-testid=context-total]").InnerTextAsync()).ShouldBe(TestCephalon.Sections.Values.Sum().ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.Locator("#context-panel").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(Browser.ScreenshotDir, "inspector-context.png") });
    }

    [Fact]
    public async Task Sentinels_SeededStates_RenderEachState()
    {
        var page = await OpenAsync();
        await page.Locator("[data-testid=sentinel]").First.WaitForAsync();
        foreach (var state in new[] { "done", "retry", "failed" })
            (await page.Locator($"[data-testid=sentinel][data-state={state}]").CountAsync()).ShouldBe(1);
    }

    [Fact]
    public async Task Olympia_AfterModelReply_ShowsSessionModelWindow()
    {
        var page = await OpenAsync();
        var row = page.Locator("#olympia tbody tr").Filter(new LocatorFilterOptions { HasText = "c3-symbolic|builtin" });
        await row.WaitForAsync();
        var text = await row.InnerTextAsync();
        text.ShouldContain("180");
        text.ShouldContain("930");
        // 930 prompt tokens at $2/M and 42 completion tokens at $10/M.
        text.ShouldContain("$0.0023");
    }

    [Fact]
    public async Task WorldAtTick_ReplayTwo_ShowsComponentsAndMatchingHashes()
    {
        var page = await OpenAsync();
        await page.Locator("#world-tick").FillAsync("2");
        await page.Locator("#world-form button").ClickAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('world-status').textContent.startsWith('tick 2')");
        (await page.Locator("#world-status").InnerTextAsync()).ShouldContain("every replayed hash matches");
        (await page.Locator("#world-json").InnerTextAsync()).ShouldContain("\"session\"");
        await ShotAsync(page, "inspector-world-at-tick");
    }
}
