import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, waitOptions } from '../support/client';
import { chatJob, expectReconciled } from '../support/jobs';
import { OUTPUT_DIR } from '../support/processes';
import { type Stack, startStack } from '../support/stack';

const NAME = 'poisoned';
const workerLog = join(OUTPUT_DIR, `${NAME}-worker-0.log`);

let stack: Stack;
/** Where this run's lines start in the worker's log (the file is appended to across runs). */
let logStart = 0;

beforeAll(async () => {
  logStart = await stat(workerLog).then(
    (s) => s.size,
    () => 0,
  );
  stack = await startStack({ name: NAME, workers: 1, env: { FETCH_SLICE: '10' } });
});
afterAll(async () => {
  stack?.emulator.resetAll();
  await stack?.stop();
});

async function workerLogLines(): Promise<Array<Record<string, unknown>>> {
  const text = (await readFile(workerLog)).subarray(logStart).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('poisoned results', () => {
  it('finishes by itself a job whose answers hold NUL, with a cut line and duplicated lines', async () => {
    stack.emulator.setFaults({
      seed: 17,
      nul_answers: { provider: 'anthropic', rate: 0.1 },
      malformed_lines: { provider: 'anthropic', rate: 0.1, shape: 'truncated' },
      duplicate_lines: { provider: 'anthropic', rate: 0.1 },
    });
    const job = chatJob(60, {
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
      options: { max_attempts: 2 },
    });

    const client = clientFor(stack);
    const submitted = await client.submit(job);
    const view = await client.wait(submitted.job_id, waitOptions());

    expectReconciled(view.reconciliation);
    expect(view.status).toBe('completed_with_failures');
    expect(view.reconciliation).toMatchObject({ submitted: 60, pending: 0 });
    const lines = await Array.fromAsync(client.results(submitted.job_id));
    expect(lines).toHaveLength(60);
    // Every input either landed or failed with a reason that says what was wrong.
    const failed = lines.filter((l) => l.status !== 'succeeded');
    for (const line of failed) {
      expect(line).toMatchObject({ status: 'failed', error: { type: 'invalid_output' } });
      expect(['unstorable_text', 'malformed_line']).toContain((line.error as { code: string }).code);
    }
    // The answers holding a NUL hold it again when sent again (the model is deterministic): they end failed.
    const unstorable = failed.filter((l) => (l.error as { code: string }).code === 'unstorable_text');
    expect(unstorable.length).toBeGreaterThan(0);
    expect(unstorable[0]?.error).toMatchObject({
      message: 'the answer holds a NUL character (U+0000) in output.text, which Postgres cannot store',
    });
    expect(lines.filter((l) => l.status === 'succeeded').length).toBeGreaterThan(40);

    const logged = await workerLogLines();
    const cut = logged.filter((l) => l.msg === 'unreadable result line: its input failed as malformed_line');
    expect(cut.length).toBeGreaterThan(0);
    expect(cut[0]).toMatchObject({
      line: expect.any(Number),
      customId: expect.any(String),
      problem: 'not JSON',
    });
    const stored = logged.filter((l) => l.msg === 'batch results stored');
    expect(stored.reduce((sum, l) => sum + Number(l.ignored), 0)).toBeGreaterThan(0);
    // No prompt or answer (the emulator's answers echo the prompt) reached the worker's log.
    const text = JSON.stringify(logged);
    expect(text).not.toContain('Summarise document');
    expect(text).not.toContain('Echo ');
  });
});
