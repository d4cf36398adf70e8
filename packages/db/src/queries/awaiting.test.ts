import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Database, type Sql } from '../client';
import { createTestDatabase, type TestDatabase } from '../testing';
import { insertPlannedBatch, pendingInputsForPlanning } from './batches';
import { type IntakeOutcome, insertJob } from './intake';
import { finishJobIfDone, sweepTargets } from './jobs';
import { requestCancel } from './lifecycle';
import { applyResults, applyResultsIn, type IncomingResult, type PriceResult } from './results';
import type { JobRow } from './types';

let testDb: TestDatabase;
let db: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = connect(testDb.url, { max: 6 });
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

const free: PriceResult = () => null;
const freshRun = () => `run-${randomBytes(6).toString('hex')}`;

type BeforeCommit = (tx: Sql, outcome: IntakeOutcome) => Promise<void>;

/** A job of `runId` whose inputs are the requests `names` (custom ids `<run>-<name>`, as intake derives them). */
const intake = (runId: string, names: string[], beforeCommit?: BeforeCommit) =>
  intakeIn('awaiting', runId, names, beforeCommit);

/** The same in `project`: the custom ids do not depend on it here, as if two projects' ids were equal. */
async function intakeIn(
  project: string,
  runId: string,
  names: string[],
  beforeCommit?: BeforeCommit,
): Promise<{ job: JobRow; outcome: IntakeOutcome }> {
  const id = randomUUID();
  const outcome = await insertJob(
    db.sql,
    {
      id,
      provider: 'openai',
      model: 'gpt-4o-mini',
      kind: 'chat',
      spec: {},
      project,
      owner: 'tests',
      environment: null,
      runId,
      tags: {},
      maxAttempts: 1,
      pollIntervalS: 300,
      timeoutAt: new Date(Date.now() + 3_600_000),
    },
    names.map((name, seq) => ({ customId: `${runId}-${name}`, seq, callerId: name, requestJson: '{}' })),
    () => ({ inputCount: names.length, duplicates: 0, aliases: new Map() }),
    beforeCommit,
  );
  return { job: (await jobRow(id))!, outcome };
}

async function jobRow(id: string): Promise<JobRow | undefined> {
  const [job] = await db.sql<JobRow[]>`select * from jobs where id = ${id}`;
  return job;
}

/** Puts the job's pending inputs in one batch, as the submit worker plans them. */
async function send(job: JobRow): Promise<string> {
  const batchId = randomUUID();
  const pending = await db.sql<{ custom_id: string }[]>`
    select custom_id from inputs where job_id = ${job.id} and state = 'pending'`;
  await db.sql.begin((tx) =>
    insertPlannedBatch(tx as unknown as Sql, {
      id: batchId,
      jobId: job.id,
      provider: job.provider,
      chunkKey: `${job.id}_r0_c0`,
      round: 0,
      customIds: pending.map((p) => p.custom_id),
      bytes: 2,
    }),
  );
  return batchId;
}

const succeeded = (customId: string): IncomingResult => ({
  customId,
  status: 'succeeded',
  output: { text: `answer to ${customId}` },
});
const failedFinally = (customId: string): IncomingResult => ({
  customId,
  status: 'failed',
  error: { type: 'invalid_request', code: '400', message: 'refused', retryable: false },
});

async function states(job: JobRow): Promise<Record<string, string>> {
  const rows = await db.sql<{ caller_id: string; state: string }[]>`
    select caller_id, state from inputs where job_id = ${job.id} order by seq`;
  return Object.fromEntries(rows.map((r) => [r.caller_id, r.state]));
}

/** Sessions of this test's database waiting for an advisory lock (the run's lock) right now. */
async function waitingOnRunLock(): Promise<number> {
  const [row] = await db.sql<{ n: number }[]>`
    select count(*)::int as n from pg_locks
    where locktype = 'advisory' and not granted
      and database = (select oid from pg_database where datname = current_database())`;
  return row?.n ?? 0;
}

async function until(what: string, probe: () => Promise<boolean>) {
  for (let i = 0; i < 300; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never happened: ${what}`);
}

/** A promise and the function that settles it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe('a replay of requests still in flight', () => {
  it('waits for them instead of sending them again, and sends only what is new', async () => {
    const run = freshRun();
    const first = await intake(run, ['a', 'b']);
    await send(first.job);
    const replay = await intake(run, ['a', 'b', 'c']);
    expect(replay.outcome).toMatchObject({
      status: 'queued',
      distinct: 3,
      skippedDone: 0,
      awaiting: 2,
      toSend: 1,
    });
    expect(await states(replay.job)).toEqual({ a: 'awaiting', b: 'awaiting', c: 'pending' });
    expect((await pendingInputsForPlanning(db.sql, replay.job.id)).map((p) => p.customId)).toEqual([
      `${run}-c`,
    ]);
  });

  it('takes a success as done and sends a failure itself; the job is not ended while it waits', async () => {
    const run = freshRun();
    const first = await intake(run, ['a', 'b']);
    const batch = await send(first.job);
    const replay = await intake(run, ['a', 'b']);
    expect(replay.outcome).toMatchObject({ status: 'queued', awaiting: 2, toSend: 0 });
    expect(await db.sql.begin((tx) => finishJobIfDone(tx as unknown as Sql, replay.job.id))).toBeNull();
    expect((await sweepTargets(db.sql)).jobsToFinish).not.toContain(replay.job.id);

    await applyResults(db.sql, first.job, batch, [succeeded(`${run}-a`), failedFinally(`${run}-b`)], free);
    expect(await states(replay.job)).toEqual({ a: 'skipped', b: 'pending' });
    // The sweeper queues the submission of what went back to pending.
    expect((await sweepTargets(db.sql)).jobsToSubmit.map((j) => j.id)).toContain(replay.job.id);
  });

  it('ends the waiting job once every request it waited for succeeded', async () => {
    const run = freshRun();
    const first = await intake(run, ['a']);
    const batch = await send(first.job);
    const replay = await intake(run, ['a']);
    await applyResults(db.sql, first.job, batch, [succeeded(`${run}-a`)], free);
    expect((await sweepTargets(db.sql)).jobsToFinish).toContain(replay.job.id);
    expect(await db.sql.begin((tx) => finishJobIfDone(tx as unknown as Sql, replay.job.id))).toBe(
      'completed',
    );
  });

  it('keeps waiting after a failure while another live job still has the request in flight', async () => {
    const run = freshRun();
    const first = await intake(run, ['a']);
    const second = await intake(run, ['a']);
    // Two copies in flight: jobs taken in before replays waited (or both sent by an operator's hand).
    await db.sql`update inputs set state = 'pending' where job_id = ${second.job.id}`;
    const firstBatch = await send(first.job);
    const secondBatch = await send(second.job);
    const replay = await intake(run, ['a']);
    expect(await states(replay.job)).toEqual({ a: 'awaiting' });

    await applyResults(db.sql, first.job, firstBatch, [failedFinally(`${run}-a`)], free);
    expect(await states(replay.job)).toEqual({ a: 'awaiting' });
    await applyResults(db.sql, second.job, secondBatch, [succeeded(`${run}-a`)], free);
    expect(await states(replay.job)).toEqual({ a: 'skipped' });
  });

  it('does not wait for a job that is being cancelled', async () => {
    const run = freshRun();
    const first = await intake(run, ['a']);
    await send(first.job);
    await requestCancel(db.sql, first.job.id, 'user', () => free);
    const replay = await intake(run, ['a']);
    expect(replay.outcome).toMatchObject({ awaiting: 0, toSend: 1 });
  });

  it('fails the waiting inputs of a replay that is cancelled, and ends it', async () => {
    const run = freshRun();
    const first = await intake(run, ['a']);
    await send(first.job);
    const replay = await intake(run, ['a']);
    const outcome = await requestCancel(db.sql, replay.job.id, 'user', () => free);
    expect(outcome).toMatchObject({ kind: 'cancelling', finished: 'cancelled' });
    expect(await states(replay.job)).toEqual({ a: 'failed' });
    expect(await states(first.job)).toEqual({ a: 'submitted' });
  });
});

describe('the run lock between an intake and a store of results', () => {
  it('an intake that waits for a store in progress sees its result and skips the request', async () => {
    const run = freshRun();
    const first = await intake(run, ['a']);
    const batch = await send(first.job);
    const stored = gate();
    const release = gate();
    const store = db.sql.begin(async (tx) => {
      await applyResultsIn(tx as unknown as Sql, first.job, batch, [succeeded(`${run}-a`)], free);
      stored.open();
      await release.opened;
    });
    await stored.opened;
    const replay = intake(run, ['a']);
    await until('the intake to wait for the run lock', async () => (await waitingOnRunLock()) > 0);
    release.open();
    await store;
    const { job, outcome } = await replay;
    expect(outcome).toMatchObject({ status: 'completed', skippedDone: 1, awaiting: 0, toSend: 0 });
    expect(await states(job)).toEqual({ a: 'skipped' });
  });

  it('a store that waits for an intake in progress settles the input the intake set waiting', async () => {
    const run = freshRun();
    const first = await intake(run, ['a']);
    const batch = await send(first.job);
    const marked = gate();
    const release = gate();
    const replay = intake(run, ['a'], async () => {
      marked.open();
      await release.opened;
    });
    await marked.opened;
    const store = applyResults(db.sql, first.job, batch, [succeeded(`${run}-a`)], free);
    await until('the store to wait for the run lock', async () => (await waitingOnRunLock()) > 0);
    release.open();
    const { job, outcome } = await replay;
    expect(outcome).toMatchObject({ awaiting: 1, toSend: 0 });
    await store;
    expect(await states(job)).toEqual({ a: 'skipped' });
  });
});

describe('the same run id in two projects', () => {
  it('a job of another project neither waits for the run’s requests in flight nor is settled by its results', async () => {
    const run = freshRun();
    const ofA = await intakeIn('team-a', run, ['a', 'b']);
    const batchOfA = await send(ofA.job);
    const ofB = await intakeIn('team-b', run, ['a', 'b']);
    expect(ofB.outcome).toMatchObject({ status: 'queued', skippedDone: 0, awaiting: 0, toSend: 2 });
    expect(await states(ofB.job)).toEqual({ a: 'pending', b: 'pending' });
    // A replay in project B waits for B's own first job only.
    const replayOfB = await intakeIn('team-b', run, ['a', 'b']);
    expect(replayOfB.outcome).toMatchObject({ awaiting: 2, toSend: 0 });

    await applyResults(db.sql, ofA.job, batchOfA, [succeeded(`${run}-a`), failedFinally(`${run}-b`)], free);
    expect(await states(ofA.job)).toEqual({ a: 'succeeded', b: 'failed' });
    expect(await states(ofB.job)).toEqual({ a: 'pending', b: 'pending' });
    expect(await states(replayOfB.job)).toEqual({ a: 'awaiting', b: 'awaiting' });
    expect((await sweepTargets(db.sql)).jobsToFinish).not.toContain(replayOfB.job.id);
  });

  it('an intake in another project does not wait for the run lock of a store in progress', async () => {
    const run = freshRun();
    const ofA = await intakeIn('team-a', run, ['a']);
    const batch = await send(ofA.job);
    const stored = gate();
    const release = gate();
    const store = db.sql.begin(async (tx) => {
      await applyResultsIn(tx as unknown as Sql, ofA.job, batch, [succeeded(`${run}-a`)], free);
      stored.open();
      await release.opened;
    });
    await stored.opened;
    let ended = false;
    const ofB = intakeIn('team-b', run, ['a']).finally(() => {
      ended = true;
    });
    await until('the intake to end or wait for a lock', async () => ended || (await waitingOnRunLock()) > 0);
    const waited = !ended;
    release.open();
    await store;
    const { outcome } = await ofB;
    expect(waited).toBe(false);
    expect(outcome).toMatchObject({ status: 'queued', skippedDone: 0, awaiting: 0, toSend: 1 });
  });
});
