import { TrancheClient, type WaitOptions } from '@tranche/client';

/** A test stack's emulator finishes batches in seconds: look at a job far more often than the client's default. */
const WAIT_INTERVAL_MS = 250;

/** `@tranche/client` on a stack's API (or any URL), with `apiKey` when the API requires keys. */
export function clientFor(target: string | { apiUrl: string }, apiKey?: string): TrancheClient {
  return new TrancheClient({ url: typeof target === 'string' ? target : target.apiUrl, apiKey });
}

/** `client.wait`'s options in tests: a short interval, and a deadline so that a stuck job fails the test. */
export function waitOptions(timeoutMs = 120_000): WaitOptions {
  return { intervalMs: WAIT_INTERVAL_MS, timeoutMs };
}
