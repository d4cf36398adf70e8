import type { ServerResponse } from 'node:http';
import type { Scheduler } from './scheduler';

interface Hold {
  ms: number;
  scheduler: Scheduler;
  originalEnd: ServerResponse['end'];
}

const holds = new WeakMap<ServerResponse, Hold>();

/**
 * Lets the handler run (so the call takes effect) but keeps the client waiting `ms` longer:
 * tests kill a client between "provider accepted" and "client heard back".
 */
export function holdResponse(res: ServerResponse, ms: number, scheduler: Scheduler): void {
  const originalEnd = res.end;
  holds.set(res, { ms, scheduler, originalEnd });
  res.end = ((...args: unknown[]) => {
    holds.delete(res);
    res.end = originalEnd;
    scheduler.after(ms, () => {
      if (!res.destroyed) (originalEnd as (...a: unknown[]) => unknown).apply(res, args);
    });
    return res;
  }) as ServerResponse['end'];
}

/** For streamed responses: wait out the hold before the first byte goes out. */
export async function releaseHold(res: ServerResponse): Promise<void> {
  const hold = holds.get(res);
  if (!hold) return;
  holds.delete(res);
  res.end = hold.originalEnd;
  await hold.scheduler.sleep(hold.ms);
}
