import type { JobRow } from '@tranche/db';
import { describe, expect, it } from 'vitest';
import { batchContextOf } from './context';

/** A job row as the database gives it, with the stored spec (defaults, output, options) under test. */
function job(kind: string, spec: Record<string, unknown>): JobRow {
  const at = new Date('2026-12-07T00:00:00Z');
  return {
    id: 'job-1',
    status: 'submitting',
    provider: 'openai',
    model: 'gpt-5-mini',
    kind,
    spec,
    project: 'p',
    owner: 'o',
    environment: null,
    run_id: 'run-1',
    tags: {},
    max_attempts: 3,
    poll_interval_s: 300,
    input_count: 1,
    duplicates: 0,
    skipped_done: 0,
    error: null,
    cancel_reason: null,
    blocked_reason: null,
    blocked_since: null,
    submitted_by_key_id: null,
    submitted_by_name: null,
    created_at: at,
    updated_at: at,
    timeout_at: at,
    finished_at: null,
  } as JobRow;
}

describe('batchContextOf', () => {
  it('carries a chat job’s options.chat_api to the encoder, and nothing when the job chose none', () => {
    const output = { name: 'answer', schema: { type: 'object' } };
    expect(
      batchContextOf(job('chat', { output, options: { chat_api: 'responses', max_attempts: 2 } })),
    ).toEqual({
      jobId: 'job-1',
      model: 'gpt-5-mini',
      kind: 'chat',
      output,
      chatApi: 'responses',
    });
    expect(batchContextOf(job('chat', { options: { max_attempts: 2 } }))).toEqual({
      jobId: 'job-1',
      model: 'gpt-5-mini',
      kind: 'chat',
    });
  });

  it('gives an embedding job no chat API, whatever its spec holds', () => {
    expect(batchContextOf(job('embedding', { options: { chat_api: 'responses' } }))).not.toHaveProperty(
      'chatApi',
    );
  });
});
