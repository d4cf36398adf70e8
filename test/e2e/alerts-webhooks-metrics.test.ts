import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROVIDERS } from '@tranche/adapters';
import type { JobToSubmit, TrancheClient } from '@tranche/client';
import { rotateWebhookSecret } from '@tranche/db';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, waitOptions } from '../support/client';
import { chatJob } from '../support/jobs';
import { OUTPUT_DIR } from '../support/processes';
import { type Stack, startStack } from '../support/stack';
import { waitFor } from '../support/wait';
import {
  deriveProjectSecret,
  type ReceivedWebhook,
  signedWith,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../support/webhook-receiver';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const METRICS_TOKEN = 'metrics-test-token';
const BACKOFF_MS = 300;

let stack: Stack;
let api: TrancheClient;
let receiver: WebhookReceiver;
/** The job-webhook secret of each project that has one, as the API shows it when an admin rotates it. */
const projectSecrets = new Map<string, string>();

/** What an admin's rotation does: draws the project a salt; its secret is derived from it and WEBHOOK_SECRETS_KEY. */
async function giveWebhookSecret(project: string): Promise<void> {
  const salt = randomBytes(32).toString('base64url');
  await rotateWebhookSecret(stack.sql, project, salt);
  projectSecrets.set(project, deriveProjectSecret(stack.env.WEBHOOK_SECRETS_KEY!, project, salt));
}

beforeAll(async () => {
  // /flaky/* answers 500 twice, then 200; /down/* always 503; everything else 200 at once. Each request is
  // verified as it arrives: alerts under the alert secret, a job's webhook under its project's secret.
  receiver = await startWebhookReceiver(
    (path, earlier) => {
      if (path.startsWith('/down/')) return 503;
      return path.startsWith('/flaky/') && earlier < 2 ? 500 : 200;
    },
    (r) => (r.path === '/alerts' ? SECRET : projectSecrets.get(r.body?.job?.project)),
  );
  stack = await startStack({
    name: 'alerts',
    workers: 2,
    env: {
      ALERT_WEBHOOK_URL: `${receiver.url}/alerts`,
      ALERT_WEBHOOK_SECRET: SECRET,
      // The receiver listens on 127.0.0.1.
      WEBHOOK_ALLOW_PRIVATE: 'true',
      BATCH_STUCK_AFTER_S: '2',
      WEBHOOK_ATTEMPTS: '4',
      WEBHOOK_BACKOFF_MS: String(BACKOFF_MS),
      WEBHOOK_TIMEOUT_MS: '5000',
      METRICS_TOKEN,
    },
  });
  api = clientFor(stack);
  for (const project of ['ops-timeout', 'ops-webhook', 'ops-once']) await giveWebhookSecret(project);
});
// A test's faults (a slow emulator) must not shape the batches of the next one.
afterEach(() => stack.emulator.setFaults({}));
afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

/** For waitFor: an empty list is not there yet. */
const nonEmpty = <T>(list: T[]): T[] | null => (list.length > 0 ? list : null);

const submit = async (job: JobToSubmit): Promise<string> => (await api.submit(job)).job_id;

interface AlertRow {
  id: number;
  kind: string;
  dedupe_key: string;
  project: string | null;
  job_id: string | null;
  batch_id: string | null;
  message: string;
}

/**
 * A project of its own with a $1.00 monthly budget and a finished job; `spend` adds a result costing that much
 * this month, which the sweeper's budget check then sees.
 */
async function budgetedProject(prefix: string) {
  const project = `${prefix}-${randomUUID().slice(0, 8)}`;
  const jobId = randomUUID();
  await stack.sql`insert into budgets (project, monthly_usd) values (${project}, 1)`;
  await stack.sql`
    insert into jobs (id, status, provider, model, kind, spec, project, owner, run_id, max_attempts,
                      poll_interval_s, input_count, timeout_at, finished_at)
    values (${jobId}, 'completed', 'openai', 'gpt-4o-mini', 'chat', '{}', ${project}, 'tests',
            ${`run-${jobId.slice(0, 8)}`}, 3, 1, 2, now() + interval '1 hour', now())`;
  let results = 0;
  const spend = async (usd: string) => {
    const customId = `${jobId}-${results++}`;
    await stack.sql`
      insert into results (custom_id, job_id, status, cost_usd, sync_cost_usd, price_version, attempts)
      values (${customId}, ${jobId}, 'succeeded', ${usd}, ${usd}, 'seeded', 1)`;
  };
  return { project, spend };
}

async function alertsWhere(condition: {
  jobId?: string;
  project?: string;
  kind?: string;
}): Promise<AlertRow[]> {
  return stack.sql<AlertRow[]>`
    select id::int as id, kind, dedupe_key, project, job_id, batch_id, message from alerts
    where (${condition.jobId ?? null}::text is null or job_id = ${condition.jobId ?? null}::text)
      and (${condition.project ?? null}::text is null or project = ${condition.project ?? null}::text)
      and (${condition.kind ?? null}::text is null or kind = ${condition.kind ?? null}::text)
    order by id`;
}

/** The deliveries of one alert, once at least one arrived: signed, and saying what the row says. */
async function deliveriesOf(alert: AlertRow): Promise<ReceivedWebhook[]> {
  const deliveryId = `alert:${alert.id}`;
  const deliveries = await waitFor(`the webhook of alert ${alert.dedupe_key}`, async () => {
    return nonEmpty(receiver.to('/alerts').filter((r) => r.headers['webhook-id'] === deliveryId));
  });
  for (const delivery of deliveries) {
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(delivery.headers['x-tranche-event']).toBe('alert');
    expect(delivery.verified).toBe(true);
    expect(delivery.body).toMatchObject({
      type: 'alert',
      alert: {
        id: alert.id,
        kind: alert.kind,
        dedupe_key: alert.dedupe_key,
        message: alert.message,
        project: alert.project,
        job_id: alert.job_id,
        batch_id: alert.batch_id,
      },
    });
  }
  return deliveries;
}

describe('alerts', () => {
  it('a job past its timeout and a batch stuck in one provider state each alert once, signed, and the job webhook says timed_out', async () => {
    stack.emulator.resetAll();
    // Every provider state lasts 4 s: past BATCH_STUCK_AFTER_S (2 s), and past the job's 3 s timeout.
    stack.emulator.setFaults({ slow_factor: 40 });
    const jobId = await submit(
      chatJob(20, {
        metadata: { project: 'ops-timeout', owner: 'tests' },
        options: { timeout_h: 3 / 3600, webhook_url: `${receiver.url}/jobs/timeout` },
      }),
    );
    const view = await api.wait(jobId, waitOptions(60_000));
    expect(view.status).toBe('timed_out');

    const timedOut = await alertsWhere({ jobId, kind: 'job_timed_out' });
    expect(timedOut).toHaveLength(1);
    expect(timedOut[0]).toMatchObject({ dedupe_key: `job_timed_out:${jobId}`, project: 'ops-timeout' });
    expect(timedOut[0]?.message).toContain('passed its timeout');
    expect(await deliveriesOf(timedOut[0]!)).toHaveLength(1);

    const [batch] = await stack.sql<
      { id: string }[]
    >`select id from provider_batches where job_id = ${jobId}`;
    const stuck = await alertsWhere({ jobId, kind: 'batch_stuck' });
    expect(stuck.length).toBeGreaterThan(0);
    for (const alert of stuck) {
      expect(alert.batch_id).toBe(batch?.id);
      expect(alert.dedupe_key).toMatch(
        new RegExp(`^batch_stuck:${batch?.id}:(validating|in_progress|cancelling)$`),
      );
      expect(alert.message).toMatch(/has been (validating|in_progress|cancelling) since .*, longer than 2 s/);
      expect(await deliveriesOf(alert)).toHaveLength(1);
    }

    const [finished] = await waitFor('the job webhook', async () => nonEmpty(receiver.to('/jobs/timeout')));
    expect(finished?.headers['x-tranche-event']).toBe('job.finished');
    expect(finished?.headers['webhook-id']).toBe(`job:${jobId}`);
    expect(finished?.verified).toBe(true);
    // Signed with its project's secret: not with another project's, nor with the alert secret.
    expect(signedWith(finished!, projectSecrets.get('ops-webhook')!)).toBe(false);
    expect(signedWith(finished!, SECRET)).toBe(false);
    expect(finished?.body.job).toMatchObject({ id: jobId, status: 'timed_out', project: 'ops-timeout' });
    expect(finished?.body.job.reconciliation.failed_by_reason.cancelled).toBe(20);
  });

  it('a project crossing 80% and then 100% of its monthly budget alerts once at each threshold', async () => {
    const { project, spend } = await budgetedProject('ops-budget');

    await spend('0.85');
    const [at80] = await waitFor('the 80% budget alert', async () =>
      nonEmpty(await alertsWhere({ project, kind: 'budget_80' })),
    );
    const month = new Date().toISOString().slice(0, 7);
    expect(at80?.dedupe_key).toBe(`budget_80:${project}:${month}`);
    expect(at80?.message).toContain(`has spent $0.85 of its $1.00 budget for ${month} (85.00%)`);
    expect(await deliveriesOf(at80!)).toHaveLength(1);
    expect(await alertsWhere({ project, kind: 'budget_100' })).toEqual([]);

    await spend('0.20');
    const [at100] = await waitFor('the 100% budget alert', async () =>
      nonEmpty(await alertsWhere({ project, kind: 'budget_100' })),
    );
    expect(at100?.message).toContain('has spent $1.05 of its $1.00 budget');
    expect(at100?.message).toContain('(105.00%)');
    expect(await deliveriesOf(at100!)).toHaveLength(1);
    expect(await alertsWhere({ project })).toHaveLength(2);
  });
});

describe('job webhooks', () => {
  it('retries a failing receiver with backoff: 500, 500, then 200, three times the same signed body', async () => {
    stack.emulator.resetAll();
    const jobId = await submit(
      chatJob(3, {
        metadata: { project: 'ops-webhook', owner: 'tests', run_id: 'ops-webhook-1' },
        options: { webhook_url: `${receiver.url}/flaky/done` },
      }),
    );
    const view = await api.wait(jobId, waitOptions(60_000));
    expect(view.status).toBe('completed');
    const deliveries = await waitFor('three delivery attempts', async () => {
      const found = receiver.to('/flaky/done');
      return found.length >= 3 ? found : null;
    });
    expect(deliveries.map((d) => d.status)).toEqual([500, 500, 200]);
    expect(deliveries.map((d) => d.headers['x-tranche-attempt'])).toEqual(['1', '2', '3']);
    const [first, second, third] = deliveries as [ReceivedWebhook, ReceivedWebhook, ReceivedWebhook];
    for (const delivery of deliveries) {
      expect(delivery.raw.equals(first.raw)).toBe(true);
      expect(delivery.verified).toBe(true);
      expect(delivery.headers['webhook-id']).toBe(`job:${jobId}`);
      expect(delivery.headers['x-tranche-event']).toBe('job.finished');
      expect(delivery.headers['content-type']).toBe('application/json');
    }
    // Exponential backoff: at least 300 ms, then at least 600 ms (the queue never retries early).
    expect(second.at - first.at).toBeGreaterThanOrEqual(BACKOFF_MS - 20);
    expect(third.at - second.at).toBeGreaterThanOrEqual(2 * BACKOFF_MS - 20);

    const [cost] = await stack.sql<{ cost_usd: string; unpriced: number }[]>`
      select coalesce(sum(cost_usd), 0)::numeric(24, 12)::text as cost_usd,
             count(*) filter (where price_version is null)::int as unpriced
      from results where job_id = ${jobId}`;
    expect(first.body).toMatchObject({
      type: 'job.finished',
      job: {
        id: jobId,
        status: 'completed',
        project: 'ops-webhook',
        owner: 'tests',
        run_id: 'ops-webhook-1',
        reconciliation: { submitted: 3, succeeded: 3, failed: 0, pending: 0 },
        cost: { cost_usd: cost?.cost_usd, unpriced_results: cost?.unpriced },
      },
    });
  });

  it('gives up after WEBHOOK_ATTEMPTS and says so at error level', async () => {
    // Its receiver never answers 2xx.
    const downJobId = await submit(
      chatJob(1, {
        metadata: { project: 'ops-webhook', owner: 'tests' },
        options: { webhook_url: `${receiver.url}/down/done` },
      }),
    );
    const deliveryId = `job:${downJobId}`;
    const gaveUp = await waitFor('the delivery to give up', async () => {
      const logs = stack.workers
        .map((w) => readFileSync(join(OUTPUT_DIR, `${w.name}.log`), 'utf8'))
        .join('\n');
      return logs.split('\n').find((l) => l.includes('giving up') && l.includes(deliveryId));
    });
    expect(JSON.parse(gaveUp)).toMatchObject({ level: 50, deliveryId, attempt: 4, attempts: 4 });
    expect(gaveUp).not.toContain('/down/done');
    expect(gaveUp).not.toContain(SECRET);
    expect(gaveUp).not.toContain(projectSecrets.get('ops-webhook'));
    expect(gaveUp).not.toContain(stack.env.WEBHOOK_SECRETS_KEY);
    const attempts = receiver.to('/down/done');
    expect(attempts.map((d) => d.status)).toEqual([503, 503, 503, 503]);
    expect(new Set(attempts.map((d) => d.headers['webhook-id']))).toEqual(new Set([deliveryId]));
    expect(attempts.every((d) => d.verified && d.raw.equals(attempts[0]!.raw))).toBe(true);
  });

  it('refuses a webhook_url that is not http(s), naming the field, and writes nothing', async () => {
    const [before] = await stack.sql<{ n: number }[]>`select count(*)::int as n from jobs`;
    await expect(
      api.submit(chatJob(1, { options: { webhook_url: 'ftp://example.com/hook' } })),
    ).rejects.toMatchObject({
      status: 400,
      problems: [{ field: 'options.webhook_url', message: 'must be an http or https URL' }],
    });
    const [after] = await stack.sql<{ n: number }[]>`select count(*)::int as n from jobs`;
    expect(after?.n).toBe(before?.n);
  });
});

describe('exactly once', () => {
  it('every alert row was delivered once, and every event once, although the sweeper queues them again each run', async () => {
    // An alert and a job event of this test's own.
    const over = await budgetedProject('ops-once');
    await over.spend('0.85');
    const jobId = await submit(
      chatJob(2, {
        metadata: { project: 'ops-once', owner: 'tests' },
        options: { webhook_url: `${receiver.url}/jobs/once` },
      }),
    );
    expect((await api.wait(jobId, waitOptions(60_000))).status).toBe('completed');
    const [alert] = await waitFor('the 80% budget alert', async () =>
      nonEmpty(await alertsWhere({ project: over.project, kind: 'budget_80' })),
    );
    await deliveriesOf(alert!);
    await waitFor('the job webhook', async () => nonEmpty(receiver.to('/jobs/once')));

    // Two more sweeps, each of which queues every recent alert and finished job again (its catch-up runs after
    // its budget check): each is seen by the 80% alert it raises for a project that crossed 80% after the one before.
    for (let sweep = 0; sweep < 2; sweep++) {
      const witness = await budgetedProject('ops-once-sweep');
      await witness.spend('0.90');
      const [raised] = await waitFor('a later sweep', async () =>
        nonEmpty(await alertsWhere({ project: witness.project, kind: 'budget_80' })),
      );
      await deliveriesOf(raised!);
    }

    expect(await deliveriesOf(alert!)).toHaveLength(1);
    const event = receiver.to('/jobs/once');
    expect(event.map((d) => [d.status, d.headers['webhook-id']])).toEqual([[200, `job:${jobId}`]]);
    // And of everything delivered in this file so far: every alert row once, no delivery answered 200 twice.
    for (const row of await alertsWhere({})) expect(await deliveriesOf(row)).toHaveLength(1);
    const byDelivery = new Map<string, number>();
    for (const delivery of receiver.received.filter((r) => r.status === 200)) {
      const id = String(delivery.headers['webhook-id']);
      byDelivery.set(id, (byDelivery.get(id) ?? 0) + 1);
    }
    expect([...byDelivery.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  });
});

type Sample = { name: string; labels: Record<string, string>; value: number };

function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!;
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

function sampleValue(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  return samples.find(
    (s) =>
      s.name === name &&
      Object.keys(labels).length === Object.keys(s.labels).length &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
}

describe('GET /metrics', () => {
  // This stack has no admin key (open mode, loopback): a scrape without a bearer is the local operator's. With admin
  // keys, one without is a 401 (apps/producer/src/http/metrics-scope.test.ts).
  it('refuses a wrong bearer, token or key', async () => {
    const wrong = await fetch(`${stack.apiUrl}/metrics`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });

  it('reports, in the Prometheus text format, the figures Postgres and Redis hold', async () => {
    // Figures of its own to report: a finished job with results, and an alert row of every kind.
    const jobId = await submit(chatJob(3, { metadata: { project: 'ops-metrics', owner: 'tests' } }));
    expect((await api.wait(jobId, waitOptions(60_000))).status).toBe('completed');
    const tag = randomUUID().slice(0, 8);
    for (const kind of ['job_timed_out', 'batch_stuck', 'budget_80', 'budget_100']) {
      await stack.sql`
        insert into alerts (kind, dedupe_key, project, message)
        values (${kind}, ${`${kind}:metrics-${tag}`}, 'ops-metrics', 'seeded for the metrics test')`;
    }

    const response = await fetch(`${stack.apiUrl}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    for (const [name, type] of [
      ['tranche_jobs', 'gauge'],
      ['tranche_inputs', 'gauge'],
      ['tranche_results', 'gauge'],
      ['tranche_tokens_total', 'counter'],
      ['tranche_cost_usd_total', 'counter'],
      ['tranche_sync_cost_usd_total', 'counter'],
      ['tranche_unpriced_results_total', 'counter'],
      ['tranche_queue_jobs', 'gauge'],
      ['tranche_oldest_running_batch_age_seconds', 'gauge'],
      ['tranche_alerts_total', 'counter'],
    ]) {
      // prom-client names counters with their _total in TYPE lines too.
      expect(text).toContain(`# TYPE ${name} ${type}`);
    }
    const samples = parseExposition(text);

    // Nothing is running by now: what Postgres holds does not move under the scrape.
    const jobs = await stack.sql<{ status: string; n: number }[]>`
      select status, count(*)::int as n from jobs group by status`;
    expect(jobs.length).toBeGreaterThan(0);
    for (const row of jobs) expect(sampleValue(samples, 'tranche_jobs', { status: row.status })).toBe(row.n);
    expect(sampleValue(samples, 'tranche_jobs', { status: 'queued' })).toBe(
      jobs.find((j) => j.status === 'queued')?.n ?? 0,
    );
    const inputs = await stack.sql<{ state: string; n: number }[]>`
      select state, count(*)::int as n from inputs group by state`;
    for (const row of inputs)
      expect(sampleValue(samples, 'tranche_inputs', { state: row.state })).toBe(row.n);
    const results = await stack.sql<{ status: string; n: number }[]>`
      select status, count(*)::int as n from results group by status`;
    for (const row of results) {
      expect(sampleValue(samples, 'tranche_results', { outcome: row.status })).toBe(row.n);
    }

    const usage = await stack.sql<
      {
        project: string;
        provider: string;
        model: string;
        input: number;
        output: number;
        cached: number;
        cost: number;
        sync: number;
      }[]
    >`
      select j.project, j.provider, j.model, coalesce(sum(r.input_tokens), 0)::int as input,
             coalesce(sum(r.output_tokens), 0)::int as output, coalesce(sum(r.cached_tokens), 0)::int as cached,
             coalesce(sum(r.cost_usd), 0)::float8 as cost, coalesce(sum(r.sync_cost_usd), 0)::float8 as sync
      from results r join jobs j on j.id = r.job_id group by 1, 2, 3`;
    expect(usage.some((u) => u.project === 'ops-metrics' && u.input > 0)).toBe(true);
    for (const row of usage) {
      const labels = { project: row.project, provider: row.provider, model: row.model };
      expect(sampleValue(samples, 'tranche_tokens_total', { ...labels, kind: 'input' })).toBe(row.input);
      expect(sampleValue(samples, 'tranche_tokens_total', { ...labels, kind: 'output' })).toBe(row.output);
      expect(sampleValue(samples, 'tranche_tokens_total', { ...labels, kind: 'cached' })).toBe(row.cached);
      expect(sampleValue(samples, 'tranche_cost_usd_total', labels)).toBeCloseTo(row.cost, 9);
      expect(sampleValue(samples, 'tranche_sync_cost_usd_total', labels)).toBeCloseTo(row.sync, 9);
    }
    const [unpriced] = await stack.sql<{ n: number }[]>`
      select count(*)::int as n from results r join jobs j on j.id = r.job_id
      where j.provider = 'openai' and j.model = 'gpt-4o-mini' and r.price_version is null`;
    expect(
      sampleValue(samples, 'tranche_unpriced_results_total', { provider: 'openai', model: 'gpt-4o-mini' }),
    ).toBe(unpriced?.n);

    const alerts = await stack.sql<{ kind: string; n: number }[]>`
      select kind, count(*)::int as n from alerts group by kind`;
    for (const kind of ['job_timed_out', 'batch_stuck', 'budget_80', 'budget_100']) {
      const expected = alerts.find((a) => a.kind === kind)?.n ?? 0;
      expect(expected).toBeGreaterThan(0);
      expect(sampleValue(samples, 'tranche_alerts_total', { kind })).toBe(expected);
    }

    for (const queue of ['submit', 'submit-batch', 'poll', 'fetch', 'sweep', 'notify']) {
      for (const state of ['waiting', 'active', 'delayed', 'failed']) {
        expect(sampleValue(samples, 'tranche_queue_jobs', { queue, state })).toBeGreaterThanOrEqual(0);
      }
    }
    const running = await stack.sql<{ provider: string }[]>`
      select distinct provider from provider_batches where state = 'submitted'`;
    for (const provider of PROVIDERS) {
      const age = sampleValue(samples, 'tranche_oldest_running_batch_age_seconds', { provider });
      if (running.some((r) => r.provider === provider)) expect(age).toBeGreaterThan(0);
      else expect(age).toBe(0);
    }
  });
});
