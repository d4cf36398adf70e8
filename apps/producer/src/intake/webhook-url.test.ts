import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../test-support/api-app';

/** `options.webhook_url` at intake, with WEBHOOK_ALLOW_PRIVATE off: nothing that reaches inside is taken. */
const ADMIN_KEY = 'admin-key-for-webhook-urls';
let api: TestApi;

async function submit(webhookUrl: string, project = 'hooks') {
  const response = await fetch(`${api.url}/v1/jobs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      provider: 'openai',
      model: 'gpt-4o-mini',
      metadata: { project, owner: 'tests' },
      options: { webhook_url: webhookUrl },
      inputs: [{ prompt: 'hello' }],
    }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: answers are read loosely here
  return { status: response.status, body: (await response.json()) as any };
}

async function jobCount(): Promise<number> {
  const [row] = await api.sql<{ n: number }[]>`select count(*)::int as n from jobs`;
  return row!.n;
}

beforeAll(async () => {
  api = await startTestApi({
    adminKeys: [ADMIN_KEY],
    webhookAllowPrivate: false,
    deps: { webhookSecretsKey: 'w'.repeat(40) },
  });
  const rotated = await fetch(`${api.url}/v1/projects/hooks/webhook-secret`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  expect(rotated.status).toBe(201);
});

afterAll(async () => {
  await api?.close();
});

describe('options.webhook_url', () => {
  for (const url of [
    'http://127.0.0.1:8080/hook',
    'http://10.0.0.1/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]:3000/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://localhost:3000/hook',
    'ftp://example.com/hook',
    'http://user:pass@example.com/hook',
  ]) {
    it(`refuses ${url} with a 400 naming the field, writing nothing`, async () => {
      const before = await jobCount();
      const { status, body } = await submit(url);
      expect(status).toBe(400);
      expect(body.error.problems).toHaveLength(1);
      expect(body.error.problems[0].field).toBe('options.webhook_url');
      expect(await jobCount()).toBe(before);
    });
  }

  // An IP literal: nothing is resolved, and with no worker here nothing is sent.
  it('takes a public address once the project has a webhook secret, and refuses one for a project without', async () => {
    expect((await submit('https://8.8.8.8/hook')).status).toBe(202);
    const { status, body } = await submit('https://8.8.8.8/hook', 'no-secret-yet');
    expect(status).toBe(400);
    expect(body.error.problems).toEqual([
      {
        field: 'options.webhook_url',
        message:
          'project "no-secret-yet" has no webhook secret yet: an admin creates it with ' +
          'POST /v1/projects/no-secret-yet/webhook-secret',
      },
    ]);
  });

  it('shows a rotated secret once, never keeps it, and keeps the previous one valid for a day', async () => {
    const rotate = async () =>
      (
        await fetch(`${api.url}/v1/projects/rotating/webhook-secret`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_KEY}` },
        })
      ).json() as Promise<{ secret: string; rotated_at: string; previous_valid_until: string }>;
    const first = await rotate();
    const second = await rotate();
    expect(first.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(second.secret).not.toBe(first.secret);
    expect(Date.parse(second.previous_valid_until) - Date.parse(second.rotated_at)).toBe(24 * 3600 * 1000);
    const stored = JSON.stringify(await api.sql`select * from webhook_secrets where project = 'rotating'`);
    for (const secret of [first.secret, second.secret]) {
      expect(stored).not.toContain(secret.slice('whsec_'.length));
    }
  });
});
