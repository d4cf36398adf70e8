import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TrancheClient } from '@tranche/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/processes';
import { type Stack, startStack } from '../support/stack';

const run = promisify(execFile);
const INPUTS = 30_000;
const MAX_RSS_MB = 200;
// 30,000 inputs of this much make a body of 300 MB: held whole it could not stay under the bound, however the
// allocator and the garbage collector behave. (With a 70 MB body and a 150 MB bound, a streaming client's RSS,
// 100-170 MB depending on the machine, crossed the bound now and then.)
const PROMPT_BYTES = 10_000;

// No worker: the job only has to be taken in.
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ name: 'client-upload', workers: 0 });
});
afterAll(async () => {
  await stack?.stop();
});

it(`streams ${INPUTS.toLocaleString('en-US')} inputs from an async generator in a process under ${MAX_RSS_MB} MB`, async () => {
  const { stdout } = await run(
    process.execPath,
    [
      // A small heap collects often, so the bound measures what is held, not garbage V8 had no reason to collect yet
      // (its peak varies with how fast the API reads). Held inputs would still cross it: the body held as text does
      // not fit this heap, and held as buffers it is outside the heap but in the RSS.
      '--max-old-space-size=64',
      '--import',
      'tsx',
      join(REPO_ROOT, 'test/client/support/submit-many.ts'),
      stack.apiUrl,
      String(INPUTS),
      'bulk',
      String(PROMPT_BYTES),
    ],
    { cwd: REPO_ROOT, maxBuffer: 1024 * 1024 },
  );
  const outcome = JSON.parse(stdout.trim().split('\n').at(-1)!);
  expect(outcome.response).toMatchObject({
    status: 'queued',
    inputs: INPUTS,
    duplicates: 0,
    to_send: INPUTS,
  });
  expect(outcome.uploaded.inputs).toBe(INPUTS);
  expect(outcome.uploaded.bytes).toBeGreaterThan(INPUTS * PROMPT_BYTES);
  expect(outcome.maxRssKb / 1024).toBeLessThan(MAX_RSS_MB);

  const client = new TrancheClient({ url: stack.apiUrl });
  expect((await client.get(outcome.response.job_id)).reconciliation.inputs).toBe(INPUTS);
  expect((await client.cancel(outcome.response.job_id)).status).toMatch(/^cancell/);
  // The API takes 100,000 inputs in well under a minute, but a machine busy with other work may need longer.
}, 120_000);
