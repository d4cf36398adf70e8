import { type BatchRow, getBatch, getJob, type ResultLine } from '@tranche/db';
import type { FaultInput } from '@tranche/emulator';
import { describe, expect, it } from 'vitest';
import {
  emulatedWorker,
  endedTestBatch,
  inputLines,
  insertTestJob,
  type TestJobOptions,
} from '../test-support';
import { processFetch } from './fetch';

/**
 * The fetch processor over result files that hold what Postgres cannot store or what cannot be read: the poisoned
 * results fail alone, with a reason, and their neighbours land (slices of two, so a poisoned result shares its
 * slice). Through the real OpenAI adapter and the emulator's faults.
 */
const h = emulatedWorker({ env: { FETCH_SLICE: '2' } });

const prompts = (count: number) => Array.from({ length: count }, (_, i) => `Poisoned question ${i}?`);

async function fetchUnder(faults: FaultInput, options: TestJobOptions) {
  h.emulator.setFaults({ seed: 21, ...faults });
  const { job, customIds } = await insertTestJob(h.sql, options);
  const batch = await endedTestBatch(h.sql, h.openai, job);
  await h.queues.enqueueFetch(batch.id);
  const taken = await h.take('fetch');
  await processFetch(h.ctx, taken.job);
  await h.complete(taken);
  const lines = await inputLines(h.sql, job.id);
  return { job, batch, lines: customIds.map((id) => lines.get(id)!) };
}

const stored = (batch: BatchRow) =>
  h.logs.withMessage('batch results stored').find((line) => line.batchId === batch.id);

/** No log line holds a prompt or an answer (answers echo their prompt). */
function expectNoContentLogged() {
  const logged = JSON.stringify(h.logs.lines);
  expect(logged).not.toContain('Poisoned question');
  expect(logged).not.toContain('Echo ');
}

const codes = (lines: ResultLine[]) => lines.map((l) => l.error?.code ?? l.status);

describe('processFetch with poisoned results', () => {
  it('fails the answers holding a NUL as unstorable_text and lands the others of their slices', async () => {
    const { job, batch, lines } = await fetchUnder(
      { nul_answers: { rate: 0.5 } },
      { prompts: prompts(8), maxAttempts: 1 },
    );

    const poisoned = lines.filter((l) => l.status === 'failed');
    expect(poisoned.length).toBeGreaterThan(0);
    expect(poisoned.length).toBeLessThan(8);
    for (const line of poisoned) {
      expect(line).toMatchObject({
        state: 'failed',
        output: null,
        error: {
          type: 'invalid_output',
          code: 'unstorable_text',
          message: 'the answer holds a NUL character (U+0000) in output.text, which Postgres cannot store',
          retryable: true,
        },
      });
      expect(line.output_tokens).toBeGreaterThan(0);
    }
    expect(lines.filter((l) => l.state === 'succeeded')).toHaveLength(8 - poisoned.length);
    expect(stored(batch)).toMatchObject({
      succeeded: 8 - poisoned.length,
      failed: poisoned.length,
      refused: 0,
    });
    expect(await getBatch(h.sql, batch.id)).toMatchObject({ state: 'fetched' });
    expect(await getJob(h.sql, job.id)).toMatchObject({ status: 'completed_with_failures' });
    expectNoContentLogged();
  });

  it('fails a structured answer whose lone surrogate appears only in its parsed JSON', async () => {
    const output = {
      name: 'answer',
      schema: {
        type: 'object',
        properties: { answer: { type: 'string' } },
        required: ['answer'],
        additionalProperties: false,
      },
    };
    const { lines } = await fetchUnder(
      { nul_answers: { rate: 1, char: 'lone_surrogate' } },
      { prompts: prompts(2), spec: { output }, maxAttempts: 1 },
    );

    for (const line of lines) {
      expect(line.error).toMatchObject({
        code: 'unstorable_text',
        message: 'the answer holds a lone UTF-16 surrogate in output.json, which Postgres cannot store',
      });
    }
  });

  it('fails the input of a cut line, ignores unknown and duplicated ids, and lands everything else', async () => {
    const { job, batch, lines } = await fetchUnder(
      {
        malformed_lines: { rate: 0.25, shape: 'truncated' },
        duplicate_lines: { rate: 0.25 },
        unknown_lines: { rate: 0.25 },
      },
      { prompts: prompts(12), maxAttempts: 1 },
    );

    const cut = lines.filter((l) => l.error?.code === 'malformed_line');
    expect(cut.length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.state === 'succeeded')).toHaveLength(12 - cut.length);
    expect(cut[0]?.error?.message).toMatch(
      /^result line \d+ of openai file file-\w+ could not be read: not JSON$/,
    );
    const totals = stored(batch)!;
    expect(totals).toMatchObject({
      succeeded: 12 - cut.length,
      failed: cut.length,
      malformed: cut.length,
      unknown: 0,
    });
    // Each duplicate and each line of an id not in the batch was read and ignored.
    expect(totals.ignored).toBeGreaterThan(1);
    const warned = h.logs.withMessage('unreadable result line: its input failed as malformed_line');
    expect(
      warned
        .filter((l) => l.batchId === batch.id)
        .map((l) => l.customId)
        .sort(),
    ).toEqual(cut.map((l) => l.custom_id).sort());
    expect(await getJob(h.sql, job.id)).toMatchObject({ status: 'completed_with_failures' });
    expectNoContentLogged();
  });

  it('counts lines with no custom id as unknown and settles their inputs as unanswered', async () => {
    const { batch, lines } = await fetchUnder(
      { malformed_lines: { rate: 1, shape: 'not_json' } },
      { prompts: prompts(2), maxAttempts: 1 },
    );

    expect(codes(lines)).toEqual(['missing_result', 'missing_result']);
    expect(stored(batch)).toMatchObject({ succeeded: 0, failed: 0, malformed: 0, unknown: 2 });
    expect(h.logs.withMessage('unreadable result line with no custom id: counted as unknown')).toEqual(
      expect.arrayContaining([expect.objectContaining({ batchId: batch.id, line: 1, customId: null })]),
    );
  });

  it('reads a truncated output file up to its cut line and sends the inputs it lost to the next round', async () => {
    const { job, lines } = await fetchUnder(
      { truncate_output: { at_line: 2, times: 1 } },
      { prompts: prompts(4), maxAttempts: 2 },
    );

    expect(lines.filter((l) => l.state === 'succeeded')).toHaveLength(1);
    const retried = lines.filter((l) => l.state === 'pending');
    expect(retried.map((l) => l.last_error?.code).sort()).toEqual([
      'malformed_line',
      'missing_result',
      'missing_result',
    ]);
    expect(await getJob(h.sql, job.id)).toMatchObject({ status: 'queued' });
  });
});
