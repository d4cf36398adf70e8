import { describe, expect, it } from 'vitest';
import { ndjsonLines, OversizedLine } from './ndjson-lines';

async function* chunksOf(...parts: Array<string | Buffer>): AsyncGenerator<Buffer> {
  for (const part of parts) yield Buffer.isBuffer(part) ? part : Buffer.from(part);
}

async function lines(max: number, ...parts: Array<string | Buffer>) {
  const out: Array<string | OversizedLine> = [];
  for await (const line of ndjsonLines(chunksOf(...parts), max)) out.push(line);
  return out;
}

describe('ndjsonLines', () => {
  it('splits on newlines across chunks, with a last line that has none', async () => {
    expect(await lines(100, '{"a":', '1}\n{"b"', ':2}\n\n{"c":3}')).toEqual([
      '{"a":1}',
      '{"b":2}',
      '',
      '{"c":3}',
    ]);
  });

  it('keeps a multi-byte character that a chunk boundary cut in two', async () => {
    const bytes = Buffer.from('"é🎉"\n');
    expect(await lines(100, bytes.subarray(0, 2), bytes.subarray(2, 5), bytes.subarray(5))).toEqual([
      '"é🎉"',
    ]);
  });

  it('gives a line over the limit as its length only, and goes on with the next', async () => {
    const out = await lines(10, 'short\n', 'x'.repeat(8), 'y'.repeat(8), 'z\nnext\n');
    expect(out).toEqual(['short', new OversizedLine(17), 'next']);
  });

  it('counts a line at the limit as a line', async () => {
    expect(await lines(5, '12345\n123456\n')).toEqual(['12345', new OversizedLine(6)]);
  });
});
