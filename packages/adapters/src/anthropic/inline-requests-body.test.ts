import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inlineRequestsBody } from './inline-requests-body';

const dir = await mkdtemp(join(tmpdir(), 'inline-body-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The body as the server receives it: its text, and how many bytes came. */
async function sent(lines: unknown[], name: string, trailingNewline = true) {
  const path = join(dir, name);
  const text = lines.map((line) => JSON.stringify(line)).join('\n');
  await writeFile(path, trailingNewline ? `${text}\n` : text);
  const { body, bytes } = await inlineRequestsBody(path);
  const received = Buffer.from(await new Response(body).arrayBuffer());
  return { json: JSON.parse(received.toString('utf8')) as unknown, received: received.length, bytes };
}

describe('inlineRequestsBody', () => {
  it('wraps the lines in {"requests":[...]} and announces its exact length', async () => {
    const lines = [
      { custom_id: 'a', params: { messages: [{ role: 'user', content: 'line one\nwith a newline' }] } },
      { custom_id: 'b', params: { messages: [{ role: 'user', content: 'héllo ✓ 😀' }] } },
    ];
    const body = await sent(lines, 'two.jsonl');
    expect(body.json).toEqual({ requests: lines });
    expect(body.received).toBe(body.bytes);
  });

  it('takes a file whose last line has no newline', async () => {
    const lines = [{ custom_id: 'a' }, { custom_id: 'b' }];
    const body = await sent(lines, 'no-newline.jsonl', false);
    expect(body.json).toEqual({ requests: lines });
    expect(body.received).toBe(body.bytes);
  });

  it('joins lines across reads, a read ending exactly on a newline included', async () => {
    // 1,024-byte lines: the first 1 MiB read ends with a newline, and later lines straddle reads (multi-byte text).
    const exact = Array.from({ length: 1024 }, (_, i) => ({ custom_id: `e${i}`, p: '' }));
    for (const line of exact) line.p = 'x'.repeat(1023 - JSON.stringify(line).length);
    const straddling = Array.from({ length: 300 }, (_, i) => ({
      custom_id: `s${i}`,
      p: 'é✓'.repeat(500 + i),
    }));
    const lines = [...exact, ...straddling];
    const body = await sent(lines, 'big.jsonl');
    expect(body.json).toEqual({ requests: lines });
    expect(body.received).toBe(body.bytes);
  });
});
