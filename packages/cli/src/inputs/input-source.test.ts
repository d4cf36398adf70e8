import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { JobInput } from '@tranche/client';
import { afterAll, describe, expect, it } from 'vitest';
import { InputFileError } from './input-file-error.js';
import { openInputSource } from './input-source.js';

const dir = mkdtempSync(join(tmpdir(), 'tranche-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string) {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function all(inputs: AsyncIterable<JobInput> | (() => AsyncIterable<JobInput>)) {
  const read = [];
  for await (const input of typeof inputs === 'function' ? inputs() : inputs) read.push(input);
  return read;
}

describe('openInputSource', () => {
  it('reads a file by its extension, as often as asked (a retried upload), counting the bytes read', async () => {
    const text = 'id,prompt\na,one\nb,two\n';
    const source = await openInputSource(file('docs.csv', text));
    expect(source.totalBytes).toBe(Buffer.byteLength(text));
    expect(typeof source.inputs).toBe('function');
    expect(await all(source.inputs)).toEqual([
      { id: 'a', prompt: 'one' },
      { id: 'b', prompt: 'two' },
    ]);
    expect(await all(source.inputs)).toHaveLength(2);
    expect(source.bytesRead()).toBe(Buffer.byteLength(text));
    expect(source.failure()).toBeNull();
  });

  it('reads JSONL from stdin once, with no size', async () => {
    const source = await openInputSource('-', undefined, Readable.from(['{"prompt":"one"}\n']));
    expect(source.name).toBe('stdin');
    expect(source.totalBytes).toBeNull();
    expect(await all(source.inputs)).toEqual([{ prompt: 'one' }]);
  });

  it('takes --format over the extension, and refuses an extension it cannot read', async () => {
    const path = file('docs.txt', '{"prompt":"one"}\n');
    await expect(openInputSource(path)).rejects.toThrow(
      `${path}: cannot tell the format from ".txt"; name it .jsonl or .csv, or give --format jsonl|csv`,
    );
    expect(await all((await openInputSource(path, 'jsonl')).inputs)).toEqual([{ prompt: 'one' }]);
  });

  it('names a missing file, and keeps the error that ended a reading', async () => {
    await expect(openInputSource(join(dir, 'missing.jsonl'))).rejects.toThrow(
      /missing\.jsonl: no such file$/,
    );
    const source = await openInputSource(file('bad.jsonl', '{"prompt":"one"}\nnope\n'));
    await expect(all(source.inputs)).rejects.toBeInstanceOf(InputFileError);
    expect(source.failure()?.message).toMatch(/bad\.jsonl line 2: not valid JSON/);
  });
});
