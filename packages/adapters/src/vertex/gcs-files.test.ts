import { Readable } from 'node:stream';
import type { File } from '@google-cloud/storage';
import { describe, expect, it } from 'vitest';
import { objectLines } from './gcs-files';

/** A stand-in File whose downloads play the given scripts: lines, then maybe an error. */
function fakeFile(attempts: Array<{ lines: string[]; error?: { code: number; message: string } }>): File {
  let call = 0;
  return {
    createReadStream() {
      const script = attempts[Math.min(call++, attempts.length - 1)]!;
      return Readable.from(
        (async function* () {
          for (const line of script.lines) yield Buffer.from(`${line}\n`);
          if (script.error) throw Object.assign(new Error(script.error.message), { code: script.error.code });
        })(),
      );
    },
  } as unknown as File;
}

const retry = { attempts: 3, initialDelayMs: 1, maxDelayMs: 2 };

async function all(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

describe('objectLines', () => {
  it('opens the object again after a retryable failure and skips what it already delivered', async () => {
    const file = fakeFile([
      { lines: ['a', 'b'], error: { code: 503, message: 'backend error' } },
      { lines: ['a', 'b', 'c'] },
    ]);
    expect(await all(objectLines(file, retry))).toEqual(['a', 'b', 'c']);
  });

  it('gives up on a non-retryable failure or after the last attempt', async () => {
    const forbidden = fakeFile([{ lines: [], error: { code: 403, message: 'forbidden' } }]);
    await expect(all(objectLines(forbidden, retry))).rejects.toMatchObject({ status: 403, retryable: false });
    const flaky = fakeFile([{ lines: ['a'], error: { code: 429, message: 'slow down' } }]);
    await expect(all(objectLines(flaky, retry))).rejects.toMatchObject({ status: 429, retryable: true });
  });
});
