using Promethean.Core.Effects;

namespace Promethean.Llm;

/// <summary>Answers a chat request: an OpenAI-compatible server or the builtin offline provider.</summary>
public interface IChatProvider
{
    /// <summary>Answers <paramref name="chat"/> with <paramref name="model"/>; fails with <c>EffectFailedException</c> carrying the server's message.</summary>
    Task<ChatResult> ChatAsync(LlmChat chat, string model, CancellationToken cancellationToken);
}

/// <summary>Embeds texts: an OpenAI-compatible server or the local MiniLM model.</summary>
public interface IEmbeddingProvider
{
    /// <summary>
    /// Embeds <paramref name="inputs"/> in order. A <paramref name="background"/> call (the embedding worker's batches)
    /// may yield the CPU to the others (the local model runs it at a lower OS priority; a remote server ignores it).
    /// </summary>
    Task<EmbeddingResult> EmbedAsync(IReadOnlyList<string> inputs, string model, bool background, CancellationToken cancellationToken);
}
