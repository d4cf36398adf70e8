import { describe, expect, it } from 'vitest';
import { effectiveLimits, planChunks } from './plan-chunks';

const items = (n: number, bytes: number) =>
  Array.from({ length: n }, (_, i) => ({ customId: `c${i}`, bytes }));

describe('planChunks', () => {
  it('fills a chunk exactly to the request limit, then starts the next', () => {
    const { chunks } = planChunks(items(50_001, 10), { maxRequests: 50_000, maxBytes: 1e12 });
    expect(chunks.map((c) => c.length)).toEqual([50_000, 1]);
  });

  it('fills a chunk exactly to the byte limit and never over it', () => {
    const { chunks } = planChunks(items(10, 100), { maxRequests: 1000, maxBytes: 300 });
    expect(chunks.map((c) => c.length)).toEqual([3, 3, 3, 1]);
    for (const chunk of chunks) expect(chunk.reduce((s, c) => s + c.bytes, 0)).toBeLessThanOrEqual(300);
  });

  it('keeps input order across chunks', () => {
    const { chunks } = planChunks(items(7, 1), { maxRequests: 3, maxBytes: 100 });
    expect(chunks.flat().map((c) => c.customId)).toEqual(items(7, 1).map((c) => c.customId));
  });

  it('reports an input larger than any chunk instead of dropping it', () => {
    const list = [...items(2, 10), { customId: 'huge', bytes: 1001 }, ...items(1, 10)];
    const { chunks, oversized } = planChunks(list, { maxRequests: 10, maxBytes: 1000 });
    expect(oversized.map((o) => o.customId)).toEqual(['huge']);
    expect(chunks.flat()).toHaveLength(3);
  });

  it('sends an input over the operator cap but within the provider limit in a chunk of its own', () => {
    const list = [
      { customId: 'a', bytes: 10 },
      { customId: 'big', bytes: 500 },
      { customId: 'b', bytes: 10 },
    ];
    const { chunks, oversized } = planChunks(list, { maxRequests: 10, maxBytes: 100 }, 1000);
    expect(oversized).toEqual([]);
    expect(chunks.map((c) => c.map((x) => x.customId))).toEqual([['big'], ['a', 'b']]);
  });

  it('an input of exactly the byte limit gets a chunk of its own', () => {
    const { chunks } = planChunks(
      [
        { customId: 'a', bytes: 5 },
        { customId: 'b', bytes: 1000 },
      ],
      { maxRequests: 10, maxBytes: 1000 },
    );
    expect(chunks.map((c) => c.map((x) => x.customId))).toEqual([['a'], ['b']]);
  });

  it('keeps the estimated tokens of a chunk within maxTokens, a token quota', () => {
    const list = Array.from({ length: 7 }, (_, i) => ({ customId: `t${i}`, bytes: 10, tokens: 40 }));
    const { chunks } = planChunks(list, { maxRequests: 100, maxBytes: 1e9, maxTokens: 100 });
    expect(chunks.map((c) => c.length)).toEqual([2, 2, 2, 1]);
  });

  it('sends an input alone over maxTokens in a chunk of its own, keeping the others together', () => {
    const list = [
      { customId: 'a', bytes: 10, tokens: 10 },
      { customId: 'huge', bytes: 10, tokens: 500 },
      { customId: 'b', bytes: 10, tokens: 10 },
    ];
    const { chunks } = planChunks(list, { maxRequests: 10, maxBytes: 1000, maxTokens: 100 });
    expect(chunks.map((c) => c.map((x) => x.customId))).toEqual([['huge'], ['a', 'b']]);
  });

  it('takes the tighter of the provider limit and the operator cap', () => {
    expect(
      effectiveLimits({ maxRequests: 50_000, maxBytes: 200 }, { maxRequests: 10_000, maxBytes: 500 }),
    ).toEqual({
      maxRequests: 10_000,
      maxBytes: 200,
    });
  });

  it('carries the token quota of the cap', () => {
    expect(
      effectiveLimits(
        { maxRequests: 50_000, maxBytes: 200 },
        { maxRequests: 10, maxBytes: 500, maxTokens: 9 },
      ),
    ).toEqual({ maxRequests: 10, maxBytes: 200, maxTokens: 9 });
  });

  it('plans nothing for no input', () => {
    expect(planChunks([], { maxRequests: 1, maxBytes: 1 })).toEqual({
      chunks: [],
      oversized: [],
      tooFew: [],
    });
  });
});

describe('planChunks under a provider minimum (minRequests)', () => {
  const sizes = (chunks: { customId: string }[][]) => chunks.map((c) => c.length);

  it('evens out the short last chunk with the one before it, every chunk at the minimum or more', () => {
    const { chunks, tooFew } = planChunks(items(1_030, 1), {
      maxRequests: 1_000,
      maxBytes: 1e9,
      minRequests: 100,
    });
    expect(sizes(chunks)).toEqual([515, 515]);
    expect(tooFew).toEqual([]);
    // Order is kept.
    expect(chunks.flat().map((c) => c.customId)).toEqual(items(1_030, 1).map((c) => c.customId));
  });

  it('lets a short chunk pass the operator byte cap, up to the provider limit, to reach the minimum', () => {
    // Over CHUNK_MAX_BYTES but within the provider's limit, an input goes in a chunk of its own, which a provider
    // minimum refuses: it joins its neighbour, which passes the operator's cap but not the provider's.
    const list = [...items(150, 10), { customId: 'big', bytes: 3_000 }, ...items(20, 10)];
    const { chunks, tooFew } = planChunks(
      list,
      { maxRequests: 1_000, maxBytes: 2_000, minRequests: 100 },
      5_000,
    );
    expect(sizes(chunks)).toEqual([171]);
    expect(tooFew).toEqual([]);
  });

  it('still reports as tooFew what cannot reach the minimum within the provider limit', () => {
    const list = [{ customId: 'big', bytes: 3_000 }, ...items(150, 10)];
    const { chunks, tooFew } = planChunks(
      list,
      { maxRequests: 1_000, maxBytes: 2_000, minRequests: 100 },
      4_000,
    );
    expect(sizes(chunks)).toEqual([150]);
    expect(tooFew.map((t) => t.customId)).toEqual(['big']);
  });

  it('shares the last chunks evenly when the short one cannot borrow enough from one neighbour', () => {
    // 304 under a cap of 150: greedy [150, 150, 4]; [150, 4] cannot make two of 100, the last three can.
    const { chunks, tooFew } = planChunks(items(304, 1), {
      maxRequests: 150,
      maxBytes: 1e9,
      minRequests: 100,
    });
    expect(sizes(chunks)).toEqual([101, 101, 102]);
    expect(tooFew).toEqual([]);
    expect(chunks.flat().map((c) => c.customId)).toEqual(items(304, 1).map((c) => c.customId));
  });

  it('fails only the inputs that cannot fit anywhere: 154 under a cap of 150 and a minimum of 100', () => {
    const { chunks, tooFew } = planChunks(items(154, 1), {
      maxRequests: 150,
      maxBytes: 1e9,
      minRequests: 100,
    });
    expect(sizes(chunks)).toEqual([150]);
    expect(tooFew).toHaveLength(4);
  });

  it('lets a short chunk pass the operator request cap, up to the provider limit, to reach the minimum', () => {
    // An operator cap equal to the minimum leaves no room to share: 294 would be 100 + 100 + 94.
    const { chunks, tooFew } = planChunks(
      items(294, 1),
      { maxRequests: 100, maxBytes: 1e9, minRequests: 100 },
      1e9,
      50_000,
    );
    expect(sizes(chunks)).toEqual([100, 194]);
    expect(tooFew).toEqual([]);
  });

  it('reports what cannot make a batch of the minimum as tooFew, never sends it', () => {
    const { chunks, tooFew } = planChunks(items(42, 1), {
      maxRequests: 1_000,
      maxBytes: 1e9,
      minRequests: 100,
    });
    expect(chunks).toEqual([]);
    expect(tooFew).toHaveLength(42);
  });

  it('leaves a neighbour at the minimum rather than borrowing it below', () => {
    // Byte limits make chunks of 100 and 60: the first cannot give any away, nor can the two join.
    const { chunks, tooFew } = planChunks(items(160, 10), {
      maxRequests: 1_000,
      maxBytes: 1_000,
      minRequests: 100,
    });
    expect(sizes(chunks)).toEqual([100]);
    expect(tooFew).toHaveLength(60);
  });

  it('takes no more than fits: a borrowed input must keep the short chunk within its byte limit', () => {
    const list = [...items(300, 1), { customId: 'wide', bytes: 900 }];
    const { chunks } = planChunks(list, { maxRequests: 250, maxBytes: 1_000, minRequests: 100 });
    for (const chunk of chunks) {
      expect(chunk.length).toBeGreaterThanOrEqual(100);
      expect(chunk.reduce((s, c) => s + c.bytes, 0)).toBeLessThanOrEqual(1_000);
    }
  });

  it('raises an operator request cap below the provider minimum to the minimum', () => {
    expect(
      effectiveLimits(
        { maxRequests: 50_000, maxBytes: 1e9, minRequests: 100 },
        { maxRequests: 40, maxBytes: 1e9 },
      ),
    ).toEqual({ maxRequests: 100, maxBytes: 1e9, minRequests: 100 });
  });
});
