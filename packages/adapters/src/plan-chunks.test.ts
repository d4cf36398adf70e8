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
    expect(planChunks([], { maxRequests: 1, maxBytes: 1 })).toEqual({ chunks: [], oversized: [] });
  });
});
