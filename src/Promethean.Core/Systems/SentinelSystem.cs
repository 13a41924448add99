using System.Collections.Immutable;
using System.Globalization;
using Promethean.Core.Components;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Sentinels;

namespace Promethean.Core.Systems;

/// <summary>
/// seed sys.sentinel.step (section 9): the contract-driven sentinel state machine. fs events on
/// bound paths start a job per (binding, path); pending -> <c>fs/read</c> -> already valid (done, no
/// call) or running (<c>llm/chat</c>) -> validating -> <c>fs/write</c> guarded by the hash that was
/// read -> done, or retry with a stricter prompt up to the contract's cap -> failed with a reason,
/// the file untouched. Everything contract-specific (fields, rules, validator) comes from the
/// <see cref="Contract"/> data; outcomes find their sentinel through the effect's meta.
/// </summary>
public static class SentinelSystem
{
    public static World Update(World world, IStoreReader stores)
    {
        var settings = world.SentinelSettings.IsEmpty ? null : world.SentinelSettings.First().Value;
        var knobs = settings ?? SentinelSettings.Default;
        var next = world;
        if (settings is not null)
            next = Trigger(next, settings);

        foreach (var e in world.EventsIn)
        {
            if (e is not IEffectOutcome outcome || !EntityId.TryParse(outcome.Meta.GetValueOrDefault(SentinelMeta.Sentinel), out var id))
                continue;
            if (!next.Sentinels.TryGetValue(id, out var s) || s.AwaitingEffectId != outcome.EffectId)
                continue;
            s = s with { AwaitingEffectId = null, Awaiting = null };
            next = e switch
            {
                TimerWakeResult or EffectError { EffectType: "timer/wake" } => s.State == SentinelState.Pending
                    ? IssueRead(next, id, s)
                    : IssueChat(next, id, s, knobs),
                FsReadResult r => OnRead(next, id, s, r, knobs),
                EffectError { EffectType: "fs/read" } err => Finish(next, id, s, "skipped", "skipped: " + err.Message, s.SettledHash),
                LlmResponse r => OnAnswer(next, id, s, r, knobs),
                EffectError { EffectType: "llm/chat" } err => OnModelError(next, id, s, err, knobs),
                FsWriteResult r => Finish(next, id, s, "written", null, r.ContentHash),
                EffectError { EffectType: "fs/write" } err => OnWriteError(next, id, s, err, knobs),
                _ => next,
            };
        }

        foreach (var (id, s) in next.Sentinels)
        {
            if (s.State == SentinelState.Pending && s.Awaiting is null)
                next = IssueRead(next, id, s);
        }
        return next;
    }

    /// <summary>Starts or re-arms the sentinels of files named by this tick's fs events.</summary>
    private static World Trigger(World world, SentinelSettings settings)
    {
        var changes = world.EventsIn
            .Select(e => e switch
            {
                FsFileCreated c => (c.Path, c.ContentHash),
                FsFileModified m => (m.Path, m.ContentHash),
                _ => (Path: (string?)null, ContentHash: ""),
            })
            .Where(c => c.Path is not null)
            .ToList();
        if (changes.Count == 0)
            return world;

        var index = new Dictionary<(string, string), EntityId>();
        foreach (var (id, s) in world.Sentinels)
            index[(s.Name, s.Input.Path)] = id;

        var next = world;
        foreach (var (path, hash) in changes)
        {
            foreach (var binding in settings.Bindings.Where(b => b.Globs.Any(g => PathGlob.Matches(g, path!))))
            {
                if (!index.TryGetValue((binding.Name, path!), out var id))
                {
                    next = next.Spawn(out id);
                    index[(binding.Name, path!)] = id;
                    var fresh = new Sentinel(binding.Name, binding.Contract, SentinelState.Pending, new SentinelInput(path!), new SentinelRetries(0, settings.MaxAttempts));
                    next = Begin(next, id, fresh, settings, restarts: 0);
                    continue;
                }
                var s = next.Sentinels[id];
                if (hash == s.SettledHash && s.IsTerminal || hash == s.ReadHash && !s.IsTerminal || hash == s.WritingHash)
                    continue;
                if (s.IsTerminal || s.State == SentinelState.Pending && s.Awaiting is "timer/wake" or null)
                    next = Begin(next, id, s with { Contract = binding.Contract }, settings, restarts: 0);
                else
                    next = Put(next, id, s with { Dirty = true });
            }
        }
        return next;
    }

    /// <summary>A fresh job: pending, and either a debounce wake or (with no debounce) a read on this tick.</summary>
    private static World Begin(World world, EntityId id, Sentinel s, SentinelSettings settings, int restarts)
    {
        var job = s with
        {
            State = SentinelState.Pending,
            Retries = s.Retries with { Attempt = 0 },
            Generation = s.Generation + 1,
            Content = null,
            ReadHash = null,
            WritingHash = null,
            Dirty = false,
            LastViolations = [],
            Outcome = null,
            Reason = null,
            ServerRetries = 0,
            Restarts = restarts,
            AwaitingEffectId = null,
            Awaiting = null,
        };
        if (settings.DebounceMs <= 0)
            return Put(world, id, job);
        return Await(world, id, job, new TimerWake(world.TimeMs + settings.DebounceMs) { Meta = MetaFor(id, job).Add(SentinelMeta.Generation, Num(job.Generation)) });
    }

    private static World IssueRead(World world, EntityId id, Sentinel s) =>
        Await(world.Emit(new SentinelStart(id, s.Name, s.Input.Path)), id, s with { State = SentinelState.Pending }, new FsRead(s.Input.Path) { Meta = MetaFor(id, s) });

    private static World OnRead(World world, EntityId id, Sentinel s, FsReadResult read, SentinelSettings knobs)
    {
        var doc = FrontmatterDocument.Split(read.Content, out var error);
        var entries = doc.HasFrontmatter ? FrontmatterYaml.Parse(doc.Yaml, out error) : [];
        if (error is not null)
            return Finish(world, id, s with { ReadHash = read.ContentHash }, "failed", error, read.ContentHash);

        var violations = ContractValidators.Validate(s.Contract, Fields(entries));
        var next = world.Emit(new SentinelValidated(id, 0, Strings(violations)));
        if (violations.IsEmpty)
            return Finish(next, id, s with { ReadHash = read.ContentHash }, "already-valid", null, read.ContentHash);

        var job = s with
        {
            Content = read.Content,
            ReadHash = read.ContentHash,
            Retries = s.Retries with { Attempt = 1 },
            LastViolations = Strings(violations),
            LastResult = null,
        };
        return IssueChat(next, id, job, knobs);
    }

    private static World IssueChat(World world, EntityId id, Sentinel s, SentinelSettings knobs)
    {
        var doc = FrontmatterDocument.Split(s.Content ?? "", out _);
        var entries = doc.HasFrontmatter ? FrontmatterYaml.Parse(doc.Yaml, out _) : [];
        var attempt = s.Retries.Attempt;
        var now = FrontmatterHeuristics.IsoUtc(world.TimeMs);
        var prompt = PromptBuilder.Build(new PromptInput(
            s.Contract, s.Input.Path, doc.Yaml, doc.Body,
            ContractValidators.Validate(s.Contract, Fields(entries)), now, attempt,
            s.LastResult, s.LastViolations, s.Retries.Max), knobs.BodyBudgetTokens);
        var chat = new LlmChat(knobs.Endpoint, s.Contract.Model, prompt, [], null, knobs.MaxOutputTokens)
        {
            Meta = MetaFor(id, s)
                .Add(SentinelMeta.Contract, s.Contract.Id)
                .Add(SentinelMeta.Now, now)
                .Add(SentinelMeta.Attempt, Num(attempt)),
        };
        var state = attempt > 1 ? SentinelState.Retry : SentinelState.Running;
        return Await(world, id, s with { State = state }, chat);
    }

    private static World OnAnswer(World world, EntityId id, Sentinel s, LlmResponse response, SentinelSettings knobs)
    {
        var counted = s with
        {
            State = SentinelState.Validating,
            LlmCalls = s.LlmCalls + 1,
            PromptTokens = s.PromptTokens + (response.Usage?.PromptTokens ?? 0),
            CompletionTokens = s.CompletionTokens + (response.Usage?.CompletionTokens ?? 0),
            ServerRetries = 0,
            Reason = null,
        };
        var doc = FrontmatterDocument.Split(s.Content ?? "", out _);
        var entries = doc.HasFrontmatter ? FrontmatterYaml.Parse(doc.Yaml, out _) : [];
        var existing = Fields(entries);
        var toFix = ContractValidators.Validate(s.Contract, existing).Select(v => v.Field).ToHashSet(StringComparer.Ordinal);

        var fieldNames = s.Contract.Fields.Select(f => f.Field).ToList();
        var answer = response.Text ?? "";
        var proposal = AnswerParser.Parse(answer, fieldNames, knobs.MaxAnswerChars, out var answerError);
        var kept = answer.Length <= knobs.MaxAnswerChars ? answer : answer[..knobs.MaxAnswerChars];
        var updates = s.Contract.Fields
            .Where(f => toFix.Contains(f.Field) && proposal.ContainsKey(f.Field))
            .Select(f => KeyValuePair.Create(f.Field, AsListWhenExpected(f, proposal[f.Field])))
            .ToList();
        var merged = new Dictionary<string, FieldValue>(existing, StringComparer.Ordinal);
        foreach (var (key, value) in updates)
            merged[key] = value;
        var violations = ContractValidators.Validate(s.Contract, merged);
        if (answerError is not null)
            violations = violations.Insert(0, new Violation("answer", "format", answerError));

        var next = world.Emit(new SentinelValidated(id, s.Retries.Attempt, Strings(violations)));
        if (violations.IsEmpty)
        {
            var text = FrontmatterWriter.Merge(doc, entries, updates);
            var unsafeReason = CheckWritten(s.Contract, doc, text);
            if (unsafeReason is not null)
                return Finish(next, id, counted with { LastResult = kept }, "failed", "cannot merge into this frontmatter safely: " + unsafeReason, s.ReadHash);
            var job = counted with { LastResult = kept, LastViolations = [], WritingHash = HashOf(text) };
            return Await(next, id, job, new FsWrite(s.Input.Path, text, s.ReadHash) { Meta = MetaFor(id, s) });
        }
        if (s.Retries.Attempt >= s.Retries.Max)
        {
            var reason = $"no valid output after {s.Retries.Max} attempts: " + string.Join("; ", violations.Select(v => v.ToString()));
            return Finish(next, id, counted with { LastResult = kept, LastViolations = Strings(violations) }, "failed", reason, s.ReadHash);
        }
        var retry = counted with
        {
            Retries = s.Retries with { Attempt = s.Retries.Attempt + 1 },
            LastResult = kept,
            LastViolations = Strings(violations),
        };
        next = next.Emit(new SentinelRetry(id, retry.Retries.Attempt, retry.LastViolations));
        return IssueChat(next, id, retry, knobs);
    }

    /// <summary>Small models often answer a list as <c>tags: a, b</c>; that is read as the list it means.</summary>
    private static FieldValue AsListWhenExpected(FieldRule rule, FieldValue value) =>
        rule.Kind == FieldKinds.KebabList && value.Kind == FieldValueKind.Scalar
            ? FieldValue.List(value.Scalar!.Split(',').Select(t => t.Trim()).Where(t => t.Length > 0))
            : value;

    /// <summary>
    /// Reads back what is about to be written: same BOM and body, well-formed YAML, and the contract
    /// holds on the fields as parsed from the new text. A failure here is the writer's limit (e.g. a
    /// one-line flow mapping it cannot edit in place), so the note fails untouched instead of retrying.
    /// </summary>
    private static string? CheckWritten(Contract contract, FrontmatterDocument before, string text)
    {
        var after = FrontmatterDocument.Split(text, out var error);
        if (error is not null)
            return error;
        if (after.Body != before.Body || after.Bom != before.Bom)
            return "the body would change";
        var entries = FrontmatterYaml.Parse(after.Yaml, out error);
        if (error is not null)
            return error;
        var violations = ContractValidators.Validate(contract, Fields(entries));
        return violations.IsEmpty ? null : string.Join("; ", violations.Select(v => v.ToString()));
    }

    /// <summary>
    /// A retryable model error (server down, timeout) waits and asks again; anything else fails the
    /// job. Either way the file's hash is not settled: the model was at fault, not the note, so the
    /// next announcement of the same content (a restart's rescan) tries again.
    /// </summary>
    private static World OnModelError(World world, EntityId id, Sentinel s, EffectError error, SentinelSettings knobs)
    {
        if (!error.Retryable)
            return Finish(world, id, s, "failed", "model error: " + error.Message, s.SettledHash);
        var tries = s.ServerRetries + 1;
        if (tries > knobs.MaxServerRetries)
            return Finish(world, id, s, "failed", $"model unavailable after {knobs.MaxServerRetries} retries: {error.Message}", s.SettledHash);
        var delay = Math.Min(knobs.BackoffMaxMs, knobs.BackoffBaseMs << Math.Min(tries - 1, 30));
        var waiting = s with { ServerRetries = tries, Reason = $"waiting {delay} ms for the model: {error.Message}" };
        return Await(world, id, waiting, new TimerWake(world.TimeMs + delay) { Meta = MetaFor(id, s) });
    }

    /// <summary>The file changed (or vanished) between read and write: start over from a fresh read, a bounded number of times.</summary>
    private static World OnWriteError(World world, EntityId id, Sentinel s, EffectError error, SentinelSettings knobs)
    {
        if (s.Restarts >= knobs.MaxRestarts)
            return Finish(world, id, s, "failed", $"gave up after {knobs.MaxRestarts} restarts: {error.Message}", s.SettledHash);
        return Begin(world, id, s, knobs with { DebounceMs = 0 }, s.Restarts + 1);
    }

    private static World Finish(World world, EntityId id, Sentinel s, string outcome, string? reason, string? settledHash)
    {
        var done = s with
        {
            State = outcome is "written" or "already-valid" ? SentinelState.Done : SentinelState.Failed,
            Outcome = outcome,
            Reason = reason,
            SettledHash = settledHash,
            Content = null,
            WritingHash = null,
            AwaitingEffectId = null,
            Awaiting = null,
        };
        var next = Put(world, id, done).Emit(done.State == SentinelState.Done
            ? new SentinelDone(id, s.Input.Path, outcome)
            : new SentinelFailed(id, s.Input.Path, reason ?? outcome));
        var settings = next.SentinelSettings.IsEmpty ? SentinelSettings.Default : next.SentinelSettings.First().Value;
        return s.Dirty ? Begin(next, id, done with { Dirty = false }, settings, 0) : next;
    }

    private static World Await(World world, EntityId id, Sentinel s, Effect effect)
    {
        var next = world.Do(effect);
        var issued = next.Effects[^1];
        return Put(next, id, s with { AwaitingEffectId = issued.Id, Awaiting = issued.Type });
    }

    private static World Put(World world, EntityId id, Sentinel s) => world with { Sentinels = world.Sentinels.SetItem(id, s) };

    private static ImmutableSortedDictionary<string, string> MetaFor(EntityId id, Sentinel s) =>
        ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [
            KeyValuePair.Create(SentinelMeta.Sentinel, id.ToString()),
            KeyValuePair.Create(SentinelMeta.Path, s.Input.Path),
        ]);

    public static Dictionary<string, FieldValue> Fields(ImmutableArray<FrontmatterEntry> entries) =>
        entries.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);

    private static ImmutableArray<string> Strings(ImmutableArray<Violation> violations) => [.. violations.Select(v => v.ToString())];

    private static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string HashOf(string text) => Ingest.Sha256Hex.Of(text);
}
