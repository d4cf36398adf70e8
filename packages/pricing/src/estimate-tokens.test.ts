import { countTokens as cl100kCount } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as o200kCount } from 'gpt-tokenizer/encoding/o200k_base';
import { encodeChat as gpt4oChat } from 'gpt-tokenizer/model/gpt-4o';
import { describe, expect, it } from 'vitest';
import {
  approximateTokens,
  countInSlices,
  defaultOutputLimit,
  loadTokenEstimator,
  TOKENIZER_SLICE_CHARS,
  type TokenEstimatePolicy,
  tokenizerFor,
} from './estimate-tokens';
import { textSlices } from './text-slices';

const known = 'Summarise the attached contract in three bullet points, naming the parties and the term.';

// The policies of the providers' descriptors (@tranche/adapters), which pricing does not import.
const OPENAI: TokenEstimatePolicy = { tokenizer: 'tiktoken', maxOutput: 'openai-models' };
const ANTHROPIC: TokenEstimatePolicy = {
  tokenizer: 'approximation',
  maxOutput: { tokens: 1024, source: "Tranche's default max_tokens for Anthropic" },
};
const MISTRAL: TokenEstimatePolicy = {
  tokenizer: 'approximation',
  maxOutput: { tokens: 128_000, source: "the model's context window" },
};
const GEMINI: TokenEstimatePolicy = { tokenizer: 'approximation', maxOutput: 'gemini-models' };

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
    expect(tokenizerFor(OPENAI, model)).toBe(encoding);
  });

  it('approximates the providers whose tokenizers are not public', () => {
    for (const policy of [ANTHROPIC, MISTRAL, GEMINI]) {
      expect(tokenizerFor(policy, 'gpt-4o')).toBe('approximation');
    }
  });
});

describe('loadTokenEstimator', () => {
  it("counts an OpenAI embedding input exactly as gpt-tokenizer's cl100k_base does", async () => {
    const estimator = await loadTokenEstimator(OPENAI, 'text-embedding-3-small', 'embedding');
    expect(estimator.tokenizer).toBe('cl100k_base');
    expect(estimator.inputTokens({ text: known })).toBe(cl100kCount(known));
    expect(estimator.defaultMaxOutputTokens).toBe(0);
  });

  it("counts an OpenAI chat request as gpt-tokenizer's encodeChat does (the chat format's overhead included)", async () => {
    const estimator = await loadTokenEstimator(OPENAI, 'gpt-4o', 'chat');
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
    const estimator = await loadTokenEstimator(OPENAI, 'gpt-4o-mini', 'embedding');
    const text = 'before <|endoftext|> after';
    expect(estimator.inputTokens({ text })).toBe(o200kCount(text, { disallowedSpecial: new Set() }));
    expect(estimator.inputTokens({ text })).toBeGreaterThan(3);
  });

  it('approximates other providers as UTF-8 bytes / 4 (rounded up) plus 4 per message and 3 per reply', async () => {
    const estimator = await loadTokenEstimator(ANTHROPIC, 'claude-sonnet-4-5', 'chat');
    expect(estimator.tokenizer).toBe('approximation');
    const text = 'héllo wörld, 12 bytes more';
    const bytes = Buffer.byteLength(text);
    expect(approximateTokens(text)).toBe(Math.ceil(bytes / 4));
    expect(estimator.inputTokens({ system: 'Be brief.', messages: [{ role: 'user', content: text }] })).toBe(
      Math.ceil(9 / 4) + 4 + Math.ceil(bytes / 4) + 4 + 3,
    );
    const embeddings = await loadTokenEstimator(MISTRAL, 'mistral-embed', 'embedding');
    expect(embeddings.inputTokens({ text })).toBe(Math.ceil(bytes / 4));
  });
});

describe('defaultOutputLimit', () => {
  it("is the model's own output limit, Tranche's Anthropic default, or nothing for embeddings", async () => {
    expect((await defaultOutputLimit(OPENAI, 'gpt-4o-mini', 'chat')).tokens).toBe(16_384);
    expect((await defaultOutputLimit(OPENAI, 'gpt-4o-mini-2024-07-18', 'chat')).tokens).toBe(16_384);
    expect((await defaultOutputLimit(OPENAI, 'gpt-5', 'chat')).tokens).toBe(128_000);
    expect((await defaultOutputLimit(OPENAI, 'some-future-model', 'chat')).tokens).toBe(128_000);
    expect(await defaultOutputLimit(ANTHROPIC, 'claude-haiku-4-5', 'chat')).toEqual(ANTHROPIC.maxOutput);
    expect((await defaultOutputLimit(MISTRAL, 'mistral-small-latest', 'chat')).tokens).toBe(128_000);
    expect((await defaultOutputLimit(GEMINI, 'gemini-2.5-flash', 'chat')).tokens).toBe(65_536);
    expect((await defaultOutputLimit(GEMINI, 'gemini-2.0-flash-001', 'chat')).tokens).toBe(8_192);
    expect((await defaultOutputLimit(OPENAI, 'text-embedding-3-large', 'embedding')).tokens).toBe(0);
    expect((await defaultOutputLimit(ANTHROPIC, 'any', 'embedding')).tokens).toBe(0);
  });
});

/** A deterministic stream of numbers in [0, 1). */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x80000000;
  };
}

function randomText(length: number, alphabet: string, seed: number): string {
  const next = seeded(seed);
  return Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
}

function randomBytes(length: number, seed: number): Buffer {
  const next = seeded(seed);
  return Buffer.from(Array.from({ length }, () => Math.floor(next() * 256)));
}

/** The documented bound (docs/costs.md): a forced cut moves the count by at most this many tokens. */
const TOKENS_PER_FORCED_CUT = 4;
const PLAIN = { disallowedSpecial: new Set<string>() };

describe('long text', () => {
  const length = 16 * 1024;
  const pathological: Record<string, string> = {
    'one repeated character': 'a'.repeat(length),
    'letters without spaces': randomText(length, 'abcdefghijklmnopqrstuvwxyz', 1),
    'letters and digits without spaces': randomText(
      length,
      'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
      2,
    ),
    'digits without spaces': randomText(length, '0123456789', 3),
    'random bytes read as latin1': randomBytes(length, 4).toString('latin1'),
    'random bytes read as UTF-8': randomBytes(length, 5).toString('utf8'),
    'CJK without spaces or punctuation': randomText(
      length / 2,
      '的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年',
      6,
    ),
    'camel-case words run together': randomText(length / 8, 'ABCD', 7).replace(
      /[A-D]/g,
      (c) => ({ A: 'Contract', B: 'notice', C: 'PARTY', D: 'Amount' })[c]!,
    ),
  };

  it.each(Object.entries(pathological))(
    '%s: within 4 tokens per forced cut of the exact count',
    async (_name, text) => {
      const forcedCuts = [...textSlices(text, TOKENIZER_SLICE_CHARS)].filter((s) => s.forced).length;
      expect(forcedCuts).toBeLessThanOrEqual(Math.ceil(text.length / TOKENIZER_SLICE_CHARS));
      for (const [model, exactCount] of [
        ['gpt-4o', o200kCount],
        ['gpt-4', cl100kCount],
      ] as const) {
        const estimator = await loadTokenEstimator(OPENAI, model, 'embedding');
        const estimate = estimator.inputTokens({ text });
        const exact = exactCount(text, PLAIN);
        expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(TOKENS_PER_FORCED_CUT * forcedCuts);
      }
    },
  );

  it('counts long prose, code and URLs exactly: their slices end where the tokenizer ends a piece anyway', async () => {
    const next = seeded(8);
    const parts = [
      'The parties agree that notice shall be given in writing, within 30 days.',
      'See https://example.com/terms/v2?section=4&lang=en#liability for details.',
      'if (amount > limit) { throw new Error("over budget: " + amount); }',
      "It's the client's duty; they're told (twice) — and we've said so.",
      '  indented   text\twith\ttabs\r\nand lines\n',
      'Ünïcödé wörds, 中文句子，还有标点。 Émojis 😀 too!',
    ];
    const text = Array.from({ length: 400 }, () => parts[Math.floor(next() * parts.length)]).join(' ');
    expect(text.length).toBeGreaterThan(10 * TOKENIZER_SLICE_CHARS);
    for (const [model, exactCount] of [
      ['gpt-4o', o200kCount],
      ['gpt-4', cl100kCount],
    ] as const) {
      const estimator = await loadTokenEstimator(OPENAI, model, 'embedding');
      expect(estimator.inputTokens({ text })).toBe(exactCount(text, PLAIN));
    }
  });

  it('never hands the tokenizer more than TOKENIZER_SLICE_CHARS characters, so the work is linear in the text', () => {
    const text = randomText(1024 * 1024, 'abcdefghij', 9);
    const lengths: number[] = [];
    const total = countInSlices(text, (slice) => {
      lengths.push(slice.length);
      return 1;
    });
    expect(Math.max(...lengths)).toBeLessThanOrEqual(TOKENIZER_SLICE_CHARS);
    expect(lengths.reduce((a, b) => a + b, 0)).toBe(text.length);
    expect(total).toBe(Math.ceil(text.length / TOKENIZER_SLICE_CHARS));
  });
});
