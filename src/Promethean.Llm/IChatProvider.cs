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
    Task<EmbeddingResult> EmbedAsync(IReadOnlyList<string> inputs, string model, CancellationToken cancellationToken);
}
