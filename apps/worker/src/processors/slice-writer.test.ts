import { connect, dataExceptionCode, type IncomingResult } from '@tranche/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  inputLines,
  insertTestJob,
  startWorkerHarness,
  submittedTestBatch,
  type WorkerHarness,
} from '../test-support';
import { type SliceTarget, writeSlice, writeSliceInParts } from './slice-writer';

let h: WorkerHarness;
beforeAll(async () => {
  h = await startWorkerHarness();
});
afterAll(async () => {
  await h?.close();
});

const SECRET = 'the secret answer';
const usage = { inputTokens: 12, outputTokens: 5, cachedTokens: 0, cacheWriteTokens: 0, raw: { total: 17 } };

const answer = (customId: string, text = 'fine'): IncomingResult => ({
  customId,
  status: 'succeeded',
  output: { text, finishReason: 'stop' },
  usage,
});

/** A job of `count` inputs in one submitted batch, and where its slices go. */
async function batchOf(count: number, maxAttempts = 1) {
  const prompts = Array.from({ length: count }, (_, i) => `question ${i}?`);
  const { job, customIds } = await insertTestJob(h.sql, { prompts, maxAttempts });
  const batch = await submittedTestBatch(h.sql, job, `scripted_${job.id}`);
  const target: SliceTarget = {
    sql: h.sql,
    job,
    batchId: batch.id,
    price: h.ctx.priceFor(job),
    log: h.logs.log,
  };
  return { job, customIds, target };
}

describe('writeSlice', () => {
  it('stores a slice Postgres takes in one go', async () => {
    const { job, customIds, target } = await batchOf(3);

    const outcome = await writeSlice(
      target,
      customIds.map((id) => answer(id)),
    );

    expect(outcome).toEqual({ succeeded: 3, failed: 0, retrying: 0, ignored: 0, refused: 0 });
    const lines = await inputLines(h.sql, job.id);
    expect([...lines.values()].map((l) => l.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });

  it('isolates the results Postgres refuses, stores each as a failure with a reason, and lands the rest', async () => {
    const { job, customIds, target } = await batchOf(8);
    const [nul, outOfRange] = [customIds[2]!, customIds[5]!];
    const slice = customIds.map((id) => answer(id));
    // Past storableResult's check (a NUL in jsonb: 22P05), and a token count out of an int's range (22003).
    slice[2] = answer(nul, `${SECRET}\u0000`);
    slice[5] = { ...answer(outOfRange), usage: { ...usage, outputTokens: 3e9 } };

    const outcome = await writeSlice(target, slice);

    expect(outcome).toEqual({ succeeded: 6, failed: 2, retrying: 0, ignored: 0, refused: 2 });
    const lines = await inputLines(h.sql, job.id);
    for (const id of customIds.filter((id) => id !== nul && id !== outOfRange)) {
      expect(lines.get(id)).toMatchObject({ state: 'succeeded', output: { text: 'fine' } });
    }
    expect(lines.get(nul)).toMatchObject({
      state: 'failed',
      output: null,
      // What the refused result cost is still counted; only its raw usage and answer are dropped.
      input_tokens: 12,
      output_tokens: 5,
      error: {
        type: 'invalid_output',
        code: 'unstorable_result',
        message: 'Postgres could not store this result (SQLSTATE 22P05, a data exception)',
        retryable: true,
      },
    });
    expect(lines.get(outOfRange)).toMatchObject({
      state: 'failed',
      input_tokens: null,
      error: { code: 'unstorable_result', message: expect.stringContaining('SQLSTATE 22003') },
    });
    const warned = h.logs.withMessage('Postgres refused a result: stored as an unstorable_result failure');
    expect(warned.filter((l) => l.jobId === job.id).map((l) => [l.customId, l.sqlstate])).toEqual([
      [nul, '22P05'],
      [outOfRange, '22003'],
    ]);
    expect(JSON.stringify(h.logs.lines)).not.toContain(SECRET);
  });

  it('sends a refused result that has attempts left to the next round, like any retryable failure', async () => {
    const { job, customIds, target } = await batchOf(2, 3);

    const outcome = await writeSlice(target, [answer(customIds[0]!), answer(customIds[1]!, '\u0000')]);

    expect(outcome).toEqual({ succeeded: 1, failed: 0, retrying: 1, ignored: 0, refused: 1 });
    expect((await inputLines(h.sql, job.id)).get(customIds[1]!)).toMatchObject({
      state: 'pending',
      last_error: { code: 'unstorable_result' },
    });
  });

  it('leaves out a result whose very custom id Postgres refuses, and says so', async () => {
    const { job, customIds, target } = await batchOf(2);

    const outcome = await writeSlice(target, [
      answer(customIds[0]!),
      answer('bad\u0000id'),
      answer(customIds[1]!),
    ]);

    expect(outcome).toEqual({ succeeded: 2, failed: 0, retrying: 0, ignored: 1, refused: 1 });
    expect(h.logs.withMessage('Postgres refused a result and its failure: left unanswered')).toMatchObject([
      { jobId: job.id, sqlstate: '22P05' },
    ]);
  });

  it('ignores lines for ids the batch does not have and for an id given twice, storing each input once', async () => {
    const { job, customIds, target } = await batchOf(2);
    const [first, second] = customIds as [string, string];

    const outcome = await writeSlice(target, [
      answer(first, 'first answer'),
      answer('not-in-this-batch'),
      answer(first, 'second answer'),
      answer(second),
    ]);
    const again = await writeSlice(target, [answer(second, 'in a later slice')]);

    expect(outcome).toEqual({ succeeded: 2, failed: 0, retrying: 0, ignored: 2, refused: 0 });
    expect(again).toEqual({ succeeded: 0, failed: 0, retrying: 0, ignored: 1, refused: 0 });
    const lines = await inputLines(h.sql, job.id);
    expect(lines.get(first)).toMatchObject({ state: 'succeeded', output: { text: 'first answer' } });
    expect(lines.get(second)).toMatchObject({ state: 'succeeded', output: { text: 'fine' } });
    expect(lines.has('not-in-this-batch')).toBe(false);
  });

  it('throws what is not a data exception (a closed connection) without splitting the slice', async () => {
    const { customIds, target } = await batchOf(2);
    const closed = connect(h.ctx.env.DATABASE_URL, { max: 1 });
    await closed.close();

    const error = await writeSlice(
      { ...target, sql: closed.sql },
      customIds.map((id) => answer(id)),
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Error);
    expect(dataExceptionCode(error)).toBeNull();
    expect(h.logs.lines.filter((l) => l.batchId === target.batchId)).toEqual([]);
  });

  it('stores a slice in parts at once, summing them, with both lines of an id given twice in one part', async () => {
    const { job, customIds, target } = await batchOf(400);
    const twice = customIds[123]!;
    const slice = customIds.map((id) => answer(id));
    // The provider sent one line twice: the first copy wins, wherever the parts cut.
    slice.splice(10, 0, answer(twice, 'first answer'));
    slice.push(answer(twice, 'second answer'));

    const outcome = await writeSliceInParts(target, slice, 3);

    expect(outcome).toEqual({ succeeded: 400, failed: 0, retrying: 0, ignored: 2, refused: 0 });
    const lines = await inputLines(h.sql, job.id);
    expect([...lines.values()].filter((l) => l.state === 'succeeded')).toHaveLength(400);
    expect(lines.get(twice)).toMatchObject({ output: { text: 'first answer' } });
  });
});
