import { describe, expect, it } from 'vitest';
import { isQueueFull, statedQueueLimit } from './queue-full';

const queueFull = {
  code: 'token_limit_exceeded',
  message:
    'Enqueued token limit reached for gpt-4o-mini in organization org-x. Limit: 2,000,000 enqueued tokens.',
  line: null,
};

describe('isQueueFull', () => {
  it("recognises OpenAI's enqueued-token limit", () => {
    expect(isQueueFull([queueFull])).toBe(true);
  });

  it('is not a full queue when a request is blamed, or for any other failure', () => {
    expect(isQueueFull([queueFull, { code: 'invalid_request', message: 'bad line', line: 3 }])).toBe(false);
    expect(isQueueFull([{ code: 'mixed_models', message: 'two models', line: null }])).toBe(false);
    expect(isQueueFull([])).toBe(false);
    expect(isQueueFull(null)).toBe(false);
  });
});

describe('statedQueueLimit', () => {
  it('reads the limit OpenAI states in its message', () => {
    expect(statedQueueLimit([queueFull])).toBe(2_000_000);
  });

  it("reads Azure OpenAI's abbreviated configured limit", () => {
    // Azure's message for a deployment over its enqueued-token quota (Microsoft Q&A 2285577).
    const azure = (limit: string) => ({
      code: 'token_limit_exceeded',
      message:
        `The number of enqueued tokens has surpassed the configured limit of ${limit} for the deployment ` +
        "'gpt-4.1-batch'. Please either increase the limit or try again once the current jobs have finished.",
      line: null,
    });
    expect(isQueueFull([azure('30K')])).toBe(true);
    expect(statedQueueLimit([azure('30K')])).toBe(30_000);
    expect(statedQueueLimit([azure('50k')])).toBe(50_000);
    expect(statedQueueLimit([azure('200M')])).toBe(200_000_000);
    expect(statedQueueLimit([azure('1.5B')])).toBe(1_500_000_000);
    expect(statedQueueLimit([azure('90,000')])).toBe(90_000);
  });

  it('is null when no queue-full failure states one', () => {
    expect(statedQueueLimit([{ ...queueFull, message: 'Enqueued token limit reached.' }])).toBeNull();
    expect(statedQueueLimit([{ code: 'other', message: 'Limit: 5 enqueued tokens', line: null }])).toBeNull();
    expect(statedQueueLimit(null)).toBeNull();
  });
});
