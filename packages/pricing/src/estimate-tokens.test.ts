import { countTokens as cl100kCount } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as o200kCount } from 'gpt-tokenizer/encoding/o200k_base';
import { encodeChat as gpt4oChat } from 'gpt-tokenizer/model/gpt-4o';
import { describe, expect, it } from 'vitest';
import { approximateTokens, defaultOutputLimit, loadTokenEstimator, tokenizerFor } from './estimate-tokens';

const known = 'Summarise the attached contract in three bullet points, naming the parties and the term.';

describe('tokenizerFor', () => {
  it.each([
    ['gpt-4o-mini', 'o200k_base'],
    ['gpt-4o-2024-08-06', 'o200k_base'],
    ['gpt-4.1-nano', 'o200k_base'],
    ['gpt-5', 'o200k_base'],
    ['o3-mini', 'o200k_base'],
    ['ft:gpt-4o-mini:acme::abc123', 'o200k_base'],
    ['gpt-4', 'cl100k_base'],
    ['gpt-4-turbo', 'cl100k_base'],
    ['gpt-3.5-turbo', 'cl100k_base'],
    ['text-embedding-3-small', 'cl100k_base'],
  ])('openai %s uses %s', (model, encoding) => {
    expect(tokenizerFor('openai', model)).toBe(encoding);
  });

  it('approximates the providers whose tokenizers are not public', () => {
    for (const provider of ['anthropic', 'mistral', 'vertex']) {
      expect(tokenizerFor(provider, 'gpt-4o')).toBe('approximation');
    }
  });
});

describe('loadTokenEstimator', () => {
  it("counts an OpenAI embedding input exactly as gpt-tokenizer's cl100k_base does", async () => {
    const estimator = await loadTokenEstimator('openai', 'text-embedding-3-small', 'embedding');
    expect(estimator.tokenizer).toBe('cl100k_base');
    expect(estimator.inputTokens({ text: known })).toBe(cl100kCount(known));
    expect(estimator.defaultMaxOutputTokens).toBe(0);
  });

  it("counts an OpenAI chat request as gpt-tokenizer's encodeChat does (the chat format's overhead included)", async () => {
    const estimator = await loadTokenEstimator('openai', 'gpt-4o', 'chat');
    const messages = [
      { role: 'user' as const, content: known },
      { role: 'assistant' as const, content: 'Noted.' },
      { role: 'user' as const, content: 'And the notice period?' },
    ];
    const request = { system: 'You are a careful paralegal.', messages };
    expect(estimator.tokenizer).toBe('o200k_base');
    expect(estimator.inputTokens(request)).toBe(
      gpt4oChat([{ role: 'system', content: request.system }, ...messages]).length,
    );
    // Three per message, one for the role, three to prime the reply.
    expect(estimator.inputTokens({ messages: [{ role: 'user', content: known }] })).toBe(
      o200kCount(known) + 3 + 1 + 3,
    );
  });

  it('counts text that looks like a special token as plain text, as the API does', async () => {
    const estimator = await loadTokenEstimator('openai', 'gpt-4o-mini', 'embedding');
    const text = 'before <|endoftext|> after';
    expect(estimator.inputTokens({ text })).toBe(o200kCount(text, { disallowedSpecial: new Set() }));
    expect(estimator.inputTokens({ text })).toBeGreaterThan(3);
  });

  it('approximates other providers as UTF-8 bytes / 4 (rounded up) plus 4 per message and 3 per reply', async () => {
    const estimator = await loadTokenEstimator('anthropic', 'claude-sonnet-4-5', 'chat');
    expect(estimator.tokenizer).toBe('approximation');
    const text = 'héllo wörld, 12 bytes more';
    const bytes = Buffer.byteLength(text);
    expect(approximateTokens(text)).toBe(Math.ceil(bytes / 4));
    expect(estimator.inputTokens({ system: 'Be brief.', messages: [{ role: 'user', content: text }] })).toBe(
      Math.ceil(9 / 4) + 4 + Math.ceil(bytes / 4) + 4 + 3,
    );
    const embeddings = await loadTokenEstimator('mistral', 'mistral-embed', 'embedding');
    expect(embeddings.inputTokens({ text })).toBe(Math.ceil(bytes / 4));
  });
});

describe('defaultOutputLimit', () => {
  it("is the model's own output limit, Tranche's Anthropic default, or nothing for embeddings", async () => {
    expect((await defaultOutputLimit('openai', 'gpt-4o-mini', 'chat')).tokens).toBe(16_384);
    expect((await defaultOutputLimit('openai', 'gpt-4o-mini-2024-07-18', 'chat')).tokens).toBe(16_384);
    expect((await defaultOutputLimit('openai', 'gpt-5', 'chat')).tokens).toBe(128_000);
    expect((await defaultOutputLimit('anthropic', 'claude-haiku-4-5', 'chat')).tokens).toBe(1024);
    expect((await defaultOutputLimit('vertex', 'gemini-2.5-flash', 'chat')).tokens).toBe(65_536);
    expect((await defaultOutputLimit('vertex', 'gemini-2.0-flash-001', 'chat')).tokens).toBe(8_192);
    expect((await defaultOutputLimit('openai', 'text-embedding-3-large', 'embedding')).tokens).toBe(0);
  });
});
