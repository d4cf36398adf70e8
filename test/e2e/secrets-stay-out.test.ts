import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BatchClient } from '@tranche/producer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatJob } from '../support/jobs';
import { OUTPUT_DIR } from '../support/processes';
import { REDIS_URL, type Stack, startStack } from '../support/stack';
import { waitFor } from '../support/wait';
import { startWebhookReceiver, verifyWebhook, type WebhookReceiver } from '../support/webhook-receiver';

/**
 * A whole run with every kind of secret in play (admin and project keys, a wrong and a revoked key, a webhook URL with
 * a password, the project's webhook secret, the operator's alert secret and metrics token, the provider keys), logged
 * at debug level; then every line the API and the worker wrote is searched for each of them.
 */
const NAME = `secrets-${randomBytes(3).toString('hex')}`;
const ADMIN_KEY = `admin-${randomBytes(16).toString('hex')}`;
const ALERT_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const METRICS_TOKEN = `metrics-${randomBytes(16).toString('hex')}`;
const URL_PASSWORD = `pw${randomBytes(8).toString('hex')}`;
const WRONG_KEY = `trk_abcdefgh_${randomBytes(32).toString('base64url')}`;

let stack: Stack;
let receiver: WebhookReceiver;
const used: Record<string, string> = {};

async function call(path: string, key: string | null, init: { method?: string; body?: unknown } = {}) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, text, body: text.startsWith('{') ? JSON.parse(text) : null };
}

beforeAll(async () => {
  for (const part of ['api', 'worker-0']) rmSync(join(OUTPUT_DIR, `${NAME}-${part}.log`), { force: true });
  receiver = await startWebhookReceiver();
  stack = await startStack({
    name: NAME,
    workers: 1,
    env: {
      ADMIN_API_KEYS: ADMIN_KEY,
      ALERT_WEBHOOK_URL: `${receiver.url}/alerts`,
      ALERT_WEBHOOK_SECRET: ALERT_SECRET,
      METRICS_TOKEN,
      LOG_LEVEL: 'debug',
    },
  });
});

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

describe('secrets never reach the logs', () => {
  it('runs a job end to end with keys, a webhook secret and refused credentials', async () => {
    const member = await call('/v1/keys', ADMIN_KEY, {
      method: 'POST',
      body: { name: 'vault team', projects: ['vault'], role: 'member' },
    });
    expect(member.status).toBe(201);
    used.memberKey = member.body.key;
    const secret = await call('/v1/projects/vault/webhook-secret', ADMIN_KEY, { method: 'POST' });
    expect(secret.status).toBe(201);
    used.projectSecret = secret.body.secret;

    // Refusals that hold a secret: a wrong key, a revoked one, a Bull Board login with a member key, a webhook URL
    // with a password. None is echoed back.
    const wrong = await call('/v1/me', WRONG_KEY);
    expect(wrong.status).toBe(401);
    expect(wrong.text).not.toContain(WRONG_KEY);
    const revoked = await call('/v1/keys', ADMIN_KEY, {
      method: 'POST',
      body: { name: 'short-lived', projects: ['vault'], role: 'viewer' },
    });
    used.revokedKey = revoked.body.key;
    expect((await call(`/v1/keys/${revoked.body.id}`, ADMIN_KEY, { method: 'DELETE' })).status).toBe(204);
    expect((await call('/v1/me', used.revokedKey!)).status).toBe(401);
    const board = await fetch(`${stack.apiUrl}/admin/queues`, {
      headers: { authorization: `Basic ${Buffer.from(`ops:${used.memberKey}`).toString('base64')}` },
    });
    expect(board.status).toBe(401);
    const withPassword = await call('/v1/jobs', used.memberKey!, {
      method: 'POST',
      body: chatJob(1, {
        metadata: { project: 'vault', owner: 'tests' },
        options: { webhook_url: `http://ops:${URL_PASSWORD}@127.0.0.1:9/hook` },
      }),
    });
    expect(withPassword.status).toBe(400);
    expect(withPassword.body.error.problems).toEqual([
      { field: 'options.webhook_url', message: 'must not carry a user name or password' },
    ]);
    expect(withPassword.text).not.toContain(URL_PASSWORD);

    // The SDK with the member key, and a job whose end is POSTed, signed with the project's secret.
    const sdk = new BatchClient({
      apiKey: used.memberKey!,
      databaseUrl: stack.db.url,
      redisUrl: REDIS_URL,
      queuePrefix: stack.prefix,
      pollIntervalS: 0.2,
      minPollIntervalS: 0.05,
      // The receiver listens on 127.0.0.1.
      webhookAllowPrivate: true,
    });
    try {
      const submitted = await sdk.submit(
        chatJob(3, {
          metadata: { project: 'vault', owner: 'tests' },
          options: { webhook_url: `${receiver.url}/vault` },
        }) as never,
      );
      const done = await sdk.wait(submitted.job_id, { intervalMs: 200, timeoutMs: 60_000 });
      expect(done.status).toBe('completed');
      expect(done.submitted_by?.name).toBe('vault team');
    } finally {
      await sdk.close();
    }
    const [delivery] = await waitFor('the job webhook', async () => {
      const got = receiver.to('/vault');
      return got.length > 0 ? got : null;
    });
    expect(verifyWebhook(delivery!, used.projectSecret!)).toMatchObject({ type: 'job.finished' });
    await waitFor('the worker to log the delivery', async () =>
      readFileSync(join(OUTPUT_DIR, `${NAME}-worker-0.log`), 'utf8').includes('webhook delivered'),
    );
    expect((await call('/metrics', METRICS_TOKEN)).status).toBe(200);
    expect((await call('/v1/me', used.memberKey!)).body).toMatchObject({
      role: 'member',
      projects: ['vault'],
    });
  });

  it('and not one of them is in any line the API or the worker logged', async () => {
    // The processes end (their last lines logged on the way out too) and their output is read to its end.
    const processes = [stack.api, ...stack.workers];
    await Promise.all(processes.map((p) => p.kill()));
    await Promise.all(
      processes.flatMap((p) =>
        [p.child.stdout, p.child.stderr].map(
          (stream) =>
            new Promise<void>((resolve) =>
              !stream || stream.closed ? resolve() : stream.once('close', resolve),
            ),
        ),
      ),
    );
    const logs = ['api', 'worker-0'].map((part) =>
      readFileSync(join(OUTPUT_DIR, `${NAME}-${part}.log`), 'utf8'),
    );
    // The run was logged: requests refused, the job delivered.
    expect(logs[1]).toContain('webhook delivered');
    const secrets: Record<string, string> = {
      ...used,
      adminKey: ADMIN_KEY,
      wrongKey: WRONG_KEY,
      urlPassword: URL_PASSWORD,
      alertSecret: ALERT_SECRET,
      metricsToken: METRICS_TOKEN,
      webhookSecretsKey: stack.env.WEBHOOK_SECRETS_KEY!,
      projectSecretBytes: used.projectSecret!.slice('whsec_'.length),
      openai: stack.env.OPENAI_API_KEY!,
      anthropic: stack.env.ANTHROPIC_API_KEY!,
      mistral: stack.env.MISTRAL_API_KEY!,
      vertex: stack.env.VERTEX_ACCESS_TOKEN!,
    };
    const found = Object.entries(secrets).flatMap(([name, value]) =>
      logs.some((log) => log.includes(value)) ? [name] : [],
    );
    expect(found).toEqual([]);
  });
});
