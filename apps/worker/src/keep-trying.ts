import { ProviderCallError, ProviderNotConfiguredError } from '@tranche/adapters';
import { type BlockerTarget, clearJobBlocker, setJobBlocker } from '@tranche/db';
import { fetchPayload, pollPayload, submitBatchPayload, submitPayload } from '@tranche/queues';
import { DelayedError, type Job, type Processor } from 'bullmq';
import type { WorkerContext } from './context';
import { backoffMs } from './retry-backoff';
import { safeMessage, secretsOf } from './safe-message';
import { isTransient } from './transient-errors';

/** The queues whose work Postgres says must happen: it is never given up, only put back to wait. */
export type PersistentQueue = 'submit' | 'submitBatch' | 'poll' | 'fetch';

export type QueueProcessor = (job: Job, token: string | undefined) => Promise<void>;

/** How many waits in a row the queue job has had, kept in its data (the payload schemas ignore other keys). */
export const WAITS_KEY = 'transientRetries';

/**
 * Set in the queue job's data when it recorded a blocker: only that queue job clears it once its work goes through.
 * A plain poll does not touch Postgres for it, nor clear what another batch of the job is blocked on.
 */
export const BLOCKED_KEY = 'recordedBlocker';

// Per worker: a job waiting for a provider key is logged once here, not at every try.
const WARNED_LIMIT = 10_000;

const DOING: Record<PersistentQueue, string> = {
  submit: 'sending a batch',
  submitBatch: 'sending a batch',
  poll: 'polling a batch',
  fetch: 'fetching results',
};

interface Wait {
  delayMs: number;
  reason: string;
  /** Counted waits grow (backoff); a wait for a configured worker does not. */
  counted: boolean;
}

function targetOf(queue: PersistentQueue, job: Job): BlockerTarget | null {
  if (queue === 'submit') {
    const parsed = submitPayload.safeParse(job.data);
    return parsed.success ? { jobId: parsed.data.jobId } : null;
  }
  const payload = { submitBatch: submitBatchPayload, poll: pollPayload, fetch: fetchPayload }[queue];
  const parsed = payload.safeParse(job.data);
  return parsed.success ? { batchId: parsed.data.batchId } : null;
}

function waitsSoFar(job: Job): number {
  const waits = (job.data as Record<string, unknown> | undefined)?.[WAITS_KEY];
  return typeof waits === 'number' && waits > 0 ? waits : 0;
}

/**
 * What to do about an error a processor let through: wait and try again (and how long), or null to leave it to the
 * queue's attempts (an error we know nothing about: a bug, a malformed answer).
 */
function waitFor(ctx: WorkerContext, queue: PersistentQueue, job: Job, error: unknown, secrets: string[]) {
  const reasonFor = (message: string) => `${DOING[queue]}: ${safeMessage(message, secrets)}`;
  const backoff = () =>
    backoffMs(waitsSoFar(job), {
      baseMs: ctx.env.TRANSIENT_RETRY_BASE_MS,
      maxMs: ctx.env.TRANSIENT_RETRY_MAX_MS,
    });
  if (error instanceof ProviderNotConfiguredError) {
    // Another worker of the fleet may hold the key: leave the work where one of those can take it.
    return {
      delayMs: ctx.env.UNCONFIGURED_RETRY_MS,
      reason: reasonFor(`${error.message} (waiting for a worker that has it)`),
      counted: false,
    } satisfies Wait;
  }
  // A ProviderCallError that is not transient is a permanent answer the processor did not settle itself: in
  // practice a 401/403 while polling or fetching a batch the provider holds (and bills). Failing its inputs would
  // throw away work a fixed key can still collect, and failing the queue job would only have the sweeper revive it;
  // so it waits like a transient error, and shows as the job's blocker until someone fixes the key or the job times
  // out.
  if (isTransient(error) || error instanceof ProviderCallError) {
    return { delayMs: backoff(), reason: reasonFor((error as Error).message), counted: true } satisfies Wait;
  }
  return null;
}

/**
 * Wraps a submit (planning or sending), poll or fetch processor so that nothing it meets leaves its queue job failed for good while
 * Postgres says the work is in flight: a transient error, a missing provider key or a refused credential puts the
 * queue job back to wait (`moveToDelayed` + `DelayedError`, which spends none of its attempts) and records what
 * blocks the job; work that goes through clears it. Errors we cannot judge still spend the queue's attempts, and
 * the sweeper revives a queue job that ran out of them.
 */
export function keepTrying(ctx: WorkerContext, queue: PersistentQueue, processor: QueueProcessor): Processor {
  const warned = new Set<string>();
  const secrets = secretsOf(ctx.env as unknown as Record<string, unknown>);
  const quietly = async (what: string, write: () => Promise<void>) => {
    try {
      await write();
    } catch (error) {
      // Postgres may be the very thing that is down: the blocker is for people, the wait must happen anyway.
      ctx.log.debug({ queue, err: safeMessage(String(error), secrets) }, `could not ${what}`);
    }
  };

  return async (job, token) => {
    const target = targetOf(queue, job);
    // Work went through: forget the waits and, if this queue job recorded a blocker, clear it.
    const moved = async () => {
      const data = job.data as Record<string, unknown>;
      if (data[WAITS_KEY] === undefined && data[BLOCKED_KEY] === undefined) return;
      await job.updateData(withoutWaits(data));
      if (data[BLOCKED_KEY] && target)
        await quietly('clear a blocker', () => clearJobBlocker(ctx.sql, target));
    };
    const block = async (reason: string, data: Record<string, unknown>) => {
      await job.updateData({ ...data, [BLOCKED_KEY]: true });
      await quietly('record a blocker', () => (target ? setJobBlocker(ctx.sql, target, reason) : noop()));
    };
    try {
      await processor(job, token);
    } catch (error) {
      if (error instanceof DelayedError) {
        // The processor put itself to sleep (a poll between two looks): that was progress, not a wait.
        await moved();
        throw error;
      }
      const wait = waitFor(ctx, queue, job, error, secrets);
      if (!wait) {
        const name = error instanceof Error ? error.name : typeof error;
        // Only the error's name: its message could quote a provider's answer or a result.
        const reason = `${DOING[queue]}: failed with an unexpected ${name} (the queue tries again; the worker log says more)`;
        await block(reason, job.data);
        throw error;
      }
      const waits = waitsSoFar(job);
      await block(wait.reason, wait.counted ? { ...job.data, [WAITS_KEY]: waits + 1 } : job.data);
      if (error instanceof ProviderNotConfiguredError) {
        if (!warned.has(job.id!)) {
          if (warned.size >= WARNED_LIMIT) warned.clear();
          warned.add(job.id!);
          ctx.log.warn(
            { queue, queueJobId: job.id, provider: error.provider, variable: error.variable },
            'provider not configured on this worker: waiting for a worker that has it',
          );
        }
      } else {
        ctx.log.warn(
          { queue, queueJobId: job.id, waits: waits + 1, delayMs: wait.delayMs, reason: wait.reason },
          'waiting out an error before trying again',
        );
      }
      await job.moveToDelayed(Date.now() + wait.delayMs, token);
      throw new DelayedError();
    }
    await moved();
  };
}

function withoutWaits(data: Record<string, unknown>): Record<string, unknown> {
  const { [WAITS_KEY]: _waits, [BLOCKED_KEY]: _blocked, ...rest } = data;
  return rest;
}

async function noop(): Promise<void> {}
