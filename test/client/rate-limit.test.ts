import { randomBytes } from 'node:crypto';
import { type FetchLike, RateLimitError, TrancheClient } from '@tranche/client';
// The API's own app in this process (no worker, no emulator): only what it answers is under test here.
import { startTestApi, type TestApi } from '@tranche/producer/test-support/api-app';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chatJob } from './support/jobs';

// One submit a minute per key, no worker: the second submit of a key is a 429 for the rest of the minute.
let stack: TestApi;
/** Where the limiter keeps its counts (the real API uses its queue prefix). */
const LIMITS_PREFIX = `test-429-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  stack = await startTestApi({
    deps: { rateLimits: { prefix: LIMITS_PREFIX, submitPerMinute: 1, readsPerMinute: 0 } },
  });
});
afterAll(async () => {
  if (!stack) return;
  await minutePasses();
  await stack.close();
});

/** The API counts each key's submits of the minute in Redis; deleting the counts is the minute passing. */
async function minutePasses(): Promise<void> {
  const keys = await stack.redis.keys(`${LIMITS_PREFIX}:rate-limit:submit:*`);
  if (keys.length > 0) await stack.redis.del(...keys);
}

interface Attempt {
  key: string | undefined;
  sentAt: number;
  status: number;
  retryAfter: string | null;
}

/**
 * The real API's answers, with a 429's Retry-After shortened to what `retryAfter` says (the limiter's own is the
 * rest of the minute), and the minute ended once it was answered: the retry that honours it gets through.
 */
function shortening(attempts: Attempt[], retryAfter: () => string): FetchLike {
  return async (url, init) => {
    const sentAt = Date.now();
    const response = await fetch(url, init);
    const key = (init.headers as Record<string, string>)['idempotency-key'];
    if (response.status !== 429) {
      attempts.push({ key, sentAt, status: response.status, retryAfter: null });
      return response;
    }
    const headers = new Headers(response.headers);
    headers.set('retry-after', retryAfter());
    attempts.push({ key, sentAt, status: 429, retryAfter: headers.get('retry-after') });
    await minutePasses();
    return new Response(await response.arrayBuffer(), { status: 429, headers });
  };
}

it('a 429 is a RateLimitError with the Retry-After the API gave, once the retries are spent', async () => {
  await minutePasses();
  const client = new TrancheClient({ url: stack.url, maxRetries: 0 });
  await client.submit(chatJob('client-429'));
  const refused = await client.submit(chatJob('client-429')).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(RateLimitError);
  expect(refused).toMatchObject({ status: 429, type: 'rate_limited' });
  const retryAfterMs = (refused as RateLimitError).retryAfterMs!;
  expect(retryAfterMs).toBeGreaterThan(0);
  expect(retryAfterMs).toBeLessThanOrEqual(60_000);
});

it.each([
  ['seconds', () => '2'],
  ['an HTTP date', () => new Date(Date.now() + 3_000).toUTCString()],
])(
  'a submit refused with 429 is sent again with the same key once Retry-After (%s) has passed',
  async (_, retryAfter) => {
    await minutePasses();
    const attempts: Attempt[] = [];
    const client = new TrancheClient({ url: stack.url, fetch: shortening(attempts, retryAfter) });
    await client.submit(chatJob('client-429'));
    const submitted = await client.submit(chatJob('client-429'));
    expect(submitted.status).toBe('queued');

    const [, refused, retried] = attempts;
    expect(attempts.map((a) => a.status)).toEqual([202, 429, 202]);
    expect(retried!.key).toBe(refused!.key);
    // The retry went out no sooner than the API asked (an HTTP date has whole seconds: at least 2 s of the 3).
    expect(retried!.sentAt - refused!.sentAt).toBeGreaterThanOrEqual(2_000);
  },
);
