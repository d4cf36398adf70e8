import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InputFileError } from './input-file-error.js';
import { readJsonlInputs } from './jsonl-reader.js';

async function read(chunks: string[]) {
  const inputs = [];
  for await (const input of readJsonlInputs(Readable.from(chunks), 'docs.jsonl')) inputs.push(input);
  return inputs;
}

describe('readJsonlInputs', () => {
  it('yields one input per line, across chunk boundaries, skipping blank lines and reading CRLF', async () => {
    const inputs = await read([
      '{"id":"a","prompt":"one"}\r\n\n  \n{"id":"b",',
      '"text":"two, ✓"}\n{"prompt":"three"}',
    ]);
    expect(inputs).toEqual([{ id: 'a', prompt: 'one' }, { id: 'b', text: 'two, ✓' }, { prompt: 'three' }]);
  });

  it('names the line of invalid JSON, counting blank lines', async () => {
    const reading = read(['{"prompt":"one"}\n\n{"prompt": \n']);
    await expect(reading).rejects.toBeInstanceOf(InputFileError);
    await expect(read(['{"prompt":"one"}\n\n{"prompt": \n'])).rejects.toThrow(
      /^docs\.jsonl line 3: not valid JSON/,
    );
  });

  it('refuses a line that is JSON but not an object', async () => {
    await expect(read(['{"prompt":"one"}\n["two"]\n'])).rejects.toThrow(
      'docs.jsonl line 2: expected a JSON object (one input), got an array',
    );
    await expect(read(['"three"\n'])).rejects.toThrow(
      'docs.jsonl line 1: expected a JSON object (one input), got string',
    );
    await expect(read(['null\n'])).rejects.toThrow('got null');
  });

  it('reads only as far as it is consumed: an endless stream yields its first inputs', async () => {
    let pushed = 0;
    const endless = new Readable({
      read() {
        pushed++;
        this.push(`{"id":"${pushed}","prompt":"${'x'.repeat(100)}"}\n`);
      },
    });
    const ids: string[] = [];
    for await (const input of readJsonlInputs(endless, 'stdin')) {
      ids.push(input.id ?? '');
      if (ids.length === 3) break;
    }
    expect(ids).toEqual(['1', '2', '3']);
    // What the stream's buffers hold ahead of the reader, not the whole (endless) stream.
    expect(pushed).toBeLessThan(10_000);
    expect(endless.destroyed).toBe(true);
  });
});
