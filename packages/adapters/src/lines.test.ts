import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readLines } from './lines';

/** The lines of `parts` sent as separate reads, as a download delivers them. */
async function linesOf(parts: Array<string | Buffer>): Promise<string[]> {
  const reads = parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part));
  return collect(readLines(Readable.from(reads)));
}

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const all: string[] = [];
  for await (const line of lines) all.push(line);
  return all;
}

describe('readLines', () => {
  it('splits at \\n, \\r\\n and a lone \\r, leaving blank lines out', async () => {
    expect(await linesOf(['a\nb\r\nc\rd\n\n  \r\ne'])).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('joins a line cut across reads, a \\r\\n cut between them and a multi-byte character included', async () => {
    const text = Buffer.from('first ✓ line\r\nsecond\n');
    const cutInCharacter = text.indexOf('✓') + 1;
    const cutInCrlf = text.indexOf('\r') + 1;
    expect(
      await linesOf([
        text.subarray(0, cutInCharacter),
        text.subarray(cutInCharacter, cutInCrlf),
        text.subarray(cutInCrlf),
      ]),
    ).toEqual(['first ✓ line', 'second']);
  });

  it('gives the last line without a newline', async () => {
    expect(await linesOf(['{"a":1}\n{"b"', ':2}'])).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('reads a web stream too', async () => {
    const body = new Response('x\ny\n').body!;
    expect(await collect(readLines(body))).toEqual(['x', 'y']);
  });

  it('reads no further than the line asked for', async () => {
    let served = 0;
    const reads = Readable.from(
      (function* () {
        for (let i = 0; i < 100; i++) {
          served += 1;
          yield Buffer.from(`line ${i}\n`);
        }
      })(),
      { highWaterMark: 1 },
    );
    const lines = readLines(reads);
    await lines.next();
    await lines.next();
    // Turns of the event loop in which a reader that reads ahead (readline's iterator) would take all 100 reads.
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    // The stream reads ahead by its own small buffer, never the whole file.
    expect(served).toBeLessThan(10);
    await lines.return(undefined);
  });
});
