import { BatchClient } from '@tranche/producer';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { REDIS_URL, type Stack, type StackOptions, startStack } from './stack';

export interface StackWithClient {
  readonly stack: Stack;
  /** The producer SDK on the stack's database and queue prefix, polling as fast as the stack does. */
  readonly client: BatchClient;
}

/**
 * A test file's whole Tranche and an SDK client over it, started before its tests and stopped after them; a fault a
 * test sets never outlives it, even when the test fails before it clears it.
 */
export function stackWithClient(options: StackOptions): StackWithClient {
  let stack: Stack | undefined;
  let client: BatchClient | undefined;
  beforeAll(async () => {
    stack = await startStack({ workers: 1, ...options });
    client = new BatchClient({
      databaseUrl: stack.db.url,
      redisUrl: REDIS_URL,
      queuePrefix: stack.prefix,
      pollIntervalS: 0.2,
    });
  });
  afterAll(async () => {
    await client?.close();
    await stack?.stop();
  });
  afterEach(() => stack?.emulator.setFaults({}));
  return {
    get stack() {
      if (!stack) throw new Error('the stack starts in beforeAll');
      return stack;
    },
    get client() {
      if (!client) throw new Error('the client starts in beforeAll');
      return client;
    },
  };
}
