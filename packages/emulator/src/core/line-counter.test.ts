import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { LineCounter } from './line-counter';

async function count(chunks: string[]) {
  const counter = new LineCounter();
  await pipeline(Readable.from(chunks.map((c) => Buffer.from(c))), counter, async (source) => {
    for await (const _ of source) {
    }
  });
  return { lines: counter.lines, bytes: counter.bytes };
}

describe('LineCounter', () => {
  it('counts non-empty lines across chunk boundaries', async () => {
    expect(await count(['a\nb\n'])).toEqual({ lines: 2, bytes: 4 });
    expect(await count(['a\nb'])).toEqual({ lines: 2, bytes: 3 });
    expect(await count(['a', 'b', '\n\n', '\r\n', 'c'])).toEqual({ lines: 2, bytes: 7 });
    expect(await count(['{"x":1}\r\n{"y":', '2}\r\n\n'])).toEqual({ lines: 2, bytes: 19 });
    expect(await count([])).toEqual({ lines: 0, bytes: 0 });
  });
});
