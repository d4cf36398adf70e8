import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clientFor } from '../support/client';
import { chatJob } from '../support/jobs';
import { type Stack, startStack } from '../support/stack';

let stack: Stack;
const MAX_INPUT_BYTES = 1024 * 1024;

beforeAll(async () => {
  stack = await startStack({
    name: 'huge-json',
    workers: 0,
    env: { MAX_BODY_BYTES: String(2 * 1024 ** 3), MAX_INPUT_BYTES: String(MAX_INPUT_BYTES) },
  });
});
afterAll(async () => {
  await stack?.stop();
});

/** Peak resident memory of a live process so far, MB. */
function peakRssMb(pid: number): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

/** POSTs `head`, then `fill` bytes of `x`, then `tail`, as one chunked body (no length), waiting for the socket. */
function postFilled(head: string, fill: number, tail: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${stack.apiUrl}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString() }));
    });
    const block = Buffer.alloc(1024 * 1024, 'x');
    let left = fill;
    req.write(head);
    const write = () => {
      while (left > 0) {
        const piece = left >= block.length ? block : block.subarray(0, left);
        left -= piece.length;
        if (!req.write(piece)) {
          req.once('drain', write);
          return;
        }
      }
      req.end(tail);
    };
    write();
  });
}

it('takes a JSON body holding one string longer than V8 strings go without holding it, and stays up', async () => {
  const pid = stack.api.child.pid!;
  const before = peakRssMb(pid);
  const { inputs, ...header } = chatJob(1);
  const head = `${JSON.stringify(header).slice(0, -1)},"inputs":[${JSON.stringify(inputs[0])},{"prompt":"`;
  // 600 MB: over the 512 MB a V8 string can hold, which is where a body read whole broke the API.
  const fill = 600 * 1024 * 1024;
  const tail = '"}]}';
  const { status, body } = await postFilled(head, fill, tail);
  expect(status).toBe(400);
  expect(JSON.parse(body).error.problems).toEqual([
    {
      field: 'inputs[1]',
      message: `this input is ${fill + '{"prompt":""}'.length} bytes, over MAX_INPUT_BYTES (${MAX_INPUT_BYTES})`,
    },
  ]);
  // The string streamed by: the API grew by far less than it (its peak takes in the body's chunks in flight).
  expect(peakRssMb(pid) - before).toBeLessThan(150);
  expect((await fetch(`${stack.apiUrl}/health`)).status).toBe(200);
  expect(await clientFor(stack).submit(chatJob(2))).toMatchObject({ status: 'queued', inputs: 2 });
});
