import { NotFoundError } from '@tranche/client';
import {
  BatchClient,
  ForbiddenError,
  InvalidApiKeyError,
  JobNotFoundError,
  JobValidationError,
  startApi,
} from '@tranche/producer';
import { describe, expect, it } from 'vitest';
import { clientFor } from '../support/client';
import { chatJob } from '../support/jobs';
import { freePort } from '../support/ports';
import { REDIS_URL } from '../support/stack';
import { stackWithClient } from '../support/stack-with-client';

const t = stackWithClient({ name: 'sdk' });

describe('the producer SDK', () => {
  it('submits, waits and iterates results in input order, heavy documents and unicode included', async () => {
    const heavy = (i: number) => `Document ${i} 📄 ünïcödé — ${'lorem ipsum dolor sit amet '.repeat(4000)}`;
    const job = chatJob(60, {}, (i) => ({
      id: `k${i}`,
      prompt: i % 10 === 0 ? heavy(i) : `Traduis en français : phrase ${i} 🎉`,
    }));
    const submitted = await t.client.submit(job as Parameters<BatchClient['submit']>[0]);
    expect(submitted).toMatchObject({ status: 'queued', inputs: 60, to_send: 60 });
    const progress: string[] = [];
    const done = await t.client.wait(submitted.job_id, {
      intervalMs: 200,
      onProgress: (v) => progress.push(v.status),
    });
    expect(done.status).toBe('completed');
    expect(progress.at(-1)).toBe('completed');
    const ids: string[] = [];
    for await (const result of t.client.results(submitted.job_id)) {
      ids.push(result.id ?? '');
      expect(result.status).toBe('succeeded');
      expect(result.usage?.input_tokens).toBeGreaterThan(0);
    }
    expect(ids).toEqual(job.inputs.map((i) => (i as { id: string }).id));
    const first = await t.client.results(submitted.job_id).next();
    expect(JSON.stringify(first.value?.output)).toContain('📄');
  });

  it('rejects a bad job with the same errors as the API', async () => {
    await expect(t.client.submit({ ...chatJob(1), model: '' } as never)).rejects.toBeInstanceOf(
      JobValidationError,
    );
    await expect(t.client.submit({ ...chatJob(1), model: '' } as never)).rejects.toThrow(/model/);
  });

  it('cancels through the SDK', async () => {
    t.stack.emulator.setFaults({ slow_factor: 50 });
    const submitted = await t.client.submit(chatJob(10) as never);
    const cancelling = await t.client.cancel(submitted.job_id);
    expect(['cancelling', 'cancelled']).toContain(cancelling.status);
    const done = await t.client.wait(submitted.job_id, { intervalMs: 200, timeoutMs: 60_000 });
    expect(done.status).toBe('cancelled');
  });

  it('says a job does not exist', async () => {
    await expect(t.client.get('00000000-0000-4000-8000-000000000000')).rejects.toThrow(/no job/);
    await expect(clientFor(t.stack).get('not-a-job')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('the producer SDK with a project key', () => {
  it('may do what the key may over HTTP, and stops at once when the key is revoked', async () => {
    // This stack has no admin key (open mode): a request without one is the operator's.
    const operator = clientFor(t.stack);
    const made = await operator.keys.create({ name: 'ledger service', projects: ['ledger'], role: 'member' });
    const foreign = (
      await t.client.submit(chatJob(1, { metadata: { project: 'elsewhere', owner: 'x' } }) as never)
    ).job_id;
    const client = new BatchClient({
      apiKey: made.key,
      databaseUrl: t.stack.db.url,
      redisUrl: REDIS_URL,
      queuePrefix: t.stack.prefix,
    });
    try {
      const own = await client.submit(chatJob(1, { metadata: { project: 'ledger', owner: 'x' } }) as never);
      expect((await client.get(own.job_id)).submitted_by).toEqual({
        key_id: made.id,
        name: 'ledger service',
      });
      const refused = await client
        .submit(chatJob(1, { metadata: { project: 'elsewhere', owner: 'x' } }) as never)
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ForbiddenError);
      expect((refused as ForbiddenError).field).toBe('metadata.project');
      await expect(client.get(foreign)).rejects.toBeInstanceOf(JobNotFoundError);
      await expect(client.cancel(foreign)).rejects.toBeInstanceOf(JobNotFoundError);
      await expect(client.setBudget('ledger', 10)).rejects.toBeInstanceOf(ForbiddenError);
      const costs = await client.costs({ groupBy: ['project'] });
      expect(costs.groups.every((g) => g.project === 'ledger')).toBe(true);
      await operator.keys.revoke(made.id);
      await expect(client.get(own.job_id)).rejects.toBeInstanceOf(InvalidApiKeyError);
    } finally {
      await client.close();
    }
  });
});

describe('operator endpoints', () => {
  it('serves Bull Board with the six queues', async () => {
    const page = await fetch(`${t.stack.apiUrl}/admin/queues`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const queues = await fetch(`${t.stack.apiUrl}/admin/queues/api/queues`);
    expect(queues.status).toBe(200);
    const body = (await queues.json()) as { queues: { name: string }[] };
    const names = body.queues.map((q) => q.name).sort();
    expect(names).toEqual(['fetch', 'notify', 'poll', 'submit', 'submit-batch', 'sweep']);
  });

  it('reports health of Postgres and Redis, and 503 when Redis does not answer', async () => {
    expect(await clientFor(t.stack).health()).toMatchObject({ status: 'ok', postgres: 'ok', redis: 'ok' });
    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    const api = await startApi({
      ...t.stack.env,
      REDIS_URL: deadRedis,
      PORT: 0,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      QUEUE_PREFIX: t.stack.prefix,
      POLL_INTERVAL_S: 1,
      MAX_BODY_BYTES: 1000,
      JOB_TIMEOUT_H: 1,
      MAX_ATTEMPTS: 1,
      API_KEYS: undefined,
      RATE_LIMIT_SUBMITS_PER_MIN: 0,
      RATE_LIMIT_READS_PER_MIN: 0,
      DATABASE_URL: t.stack.db.url,
    } as never);
    try {
      await expect(clientFor(api.url).health()).rejects.toMatchObject({
        status: 503,
        body: { status: 'degraded', postgres: 'ok', redis: expect.not.stringMatching(/^ok$/) },
      });
    } finally {
      await api.close();
    }
  });

  it('requires the bearer key when API_KEYS (admin keys) is set, and never echoes it', async () => {
    const api = await startApi({
      DATABASE_URL: t.stack.db.url,
      DATABASE_POOL_MODE: 'session',
      REDIS_URL,
      QUEUE_PREFIX: t.stack.prefix,
      PORT: 0,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      API_KEYS: ['k-secret-1'],
      MAX_BODY_BYTES: 1_000_000,
      MAX_INPUT_BYTES: 100_000,
      MAX_INPUTS: 1000,
      JOB_TIMEOUT_H: 1,
      MAX_ATTEMPTS: 1,
      POLL_INTERVAL_S: 1,
      MIN_POLL_INTERVAL_S: 1,
      CHUNK_MAX_REQUESTS: 10_000,
      CHUNK_MAX_BYTES: 100 * 1024 * 1024,
      RESULTS_STREAM_IDLE_TIMEOUT_MS: 60_000,
      REQUEST_BODY_IDLE_TIMEOUT_MS: 60_000,
      JOB_VIEW_REFRESH_MS: 1_000,
      WEBHOOK_ALLOW_PRIVATE: false,
      ADMIN_QUEUES_WRITE: false,
      RATE_LIMIT_SUBMITS_PER_MIN: 0,
      RATE_LIMIT_READS_PER_MIN: 0,
    });
    try {
      // With no METRICS_TOKEN, per-project spend in /metrics is behind the API's keys too.
      expect((await fetch(`${api.url}/metrics`)).status).toBe(401);
      const scraped = await fetch(`${api.url}/metrics`, { headers: { authorization: 'Bearer k-secret-1' } });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('tranche_redis_up 1');
      const anonymous = await fetch(`${api.url}/v1/jobs/x`);
      expect(anonymous.status).toBe(401);
      const wrong = await fetch(`${api.url}/v1/jobs/x`, { headers: { authorization: 'Bearer nope' } });
      expect(wrong.status).toBe(401);
      expect(await wrong.text()).not.toContain('k-secret-1');
      const right = await fetch(`${api.url}/v1/jobs/x`, { headers: { authorization: 'Bearer k-secret-1' } });
      expect(right.status).toBe(404);
    } finally {
      await api.close();
    }
  });
});
