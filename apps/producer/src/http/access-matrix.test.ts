import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../test-support/api-app';
import { BULL_BOARD_PATH } from './admin';

/**
 * Who may call what: every route of the API × {admin, member of A, viewer of A, member of B, no key, revoked key},
 * through the real HTTP server over a real Postgres and Redis. The routes are read from the app itself, so a route
 * added without a row here fails the first test.
 */
const ADMIN_KEY = 'admin-key-for-the-access-matrix';
const CALLERS = ['admin', 'memberA', 'viewerA', 'memberB', 'none', 'revoked'] as const;
type Who = (typeof CALLERS)[number];
type Expected = Record<Who, number>;

const expect6 = (...statuses: number[]): Expected =>
  Object.fromEntries(CALLERS.map((who, i) => [who, statuses[i]!])) as Expected;

/** Readable by anyone with a live key of the project; no key or a revoked one: 401. */
const READ_A = expect6(200, 200, 200, 404, 401, 401);
const ANY_KEY = expect6(200, 200, 200, 200, 401, 401);
const ADMIN_ONLY = (status: number) => expect6(status, 403, 403, 403, 401, 401);

interface Call {
  method: string;
  path: string;
  body?: unknown;
}

let api: TestApi;
const keys: Record<Who, string | null> = {
  admin: ADMIN_KEY,
  memberA: null,
  viewerA: null,
  memberB: null,
  none: null,
  revoked: null,
};
let jobOfA: string;

const job = (project: string) => ({
  provider: 'openai',
  model: 'gpt-4o-mini',
  metadata: { project, owner: 'matrix' },
  inputs: [{ prompt: 'hello' }],
});

async function send(who: Who, call: Call): Promise<Response> {
  const headers: Record<string, string> = {};
  const key = keys[who];
  if (key) headers.authorization = `Bearer ${key}`;
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${api.url}${call.path}`, {
    method: call.method,
    headers,
    body: call.body === undefined ? undefined : JSON.stringify(call.body),
  });
  await response.arrayBuffer();
  return response;
}

async function asAdmin<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status >= 300)
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (response.status === 204 ? null : await response.json()) as T;
}

async function newKey(role: 'member' | 'viewer', projects: string[]): Promise<{ id: string; key: string }> {
  return asAdmin('POST', '/v1/keys', { name: `${role} of ${projects.join('+')}`, projects, role });
}

async function submitAsAdmin(project: string): Promise<string> {
  return (await asAdmin<{ job_id: string }>('POST', '/v1/jobs', job(project))).job_id;
}

/** Each row: the route as Express knows it, what to send (fresh objects where a call uses one up), who gets what. */
const MATRIX: Array<{ route: string; call: () => Promise<Call>; expected: Expected }> = [
  {
    route: 'GET /health',
    call: async () => ({ method: 'GET', path: '/health' }),
    expected: expect6(200, 200, 200, 200, 200, 200),
  },
  { route: 'GET /metrics', call: async () => ({ method: 'GET', path: '/metrics' }), expected: ANY_KEY },
  {
    route: `ANY ${BULL_BOARD_PATH}`,
    call: async () => ({ method: 'GET', path: `${BULL_BOARD_PATH}/api/queues` }),
    expected: expect6(200, 401, 401, 401, 401, 401),
  },
  // The page is static and holds no data: it asks for a key and sends it to /v1/dashboard.
  {
    route: 'GET /dashboard/',
    call: async () => ({ method: 'GET', path: '/dashboard/' }),
    expected: expect6(200, 200, 200, 200, 200, 200),
  },
  {
    route: 'GET /dashboard/chart.umd.js',
    call: async () => ({ method: 'GET', path: '/dashboard/chart.umd.js' }),
    expected: expect6(200, 200, 200, 200, 200, 200),
  },
  {
    route: 'GET /dashboard/providers.json',
    call: async () => ({ method: 'GET', path: '/dashboard/providers.json' }),
    expected: expect6(200, 200, 200, 200, 200, 200),
  },
  // The API's OpenAPI document and its reference page describe the API and hold no data.
  {
    route: 'GET /openapi.json',
    call: async () => ({ method: 'GET', path: '/openapi.json' }),
    expected: expect6(200, 200, 200, 200, 200, 200),
  },
  {
    route: 'GET /docs',
    call: async () => ({ method: 'GET', path: '/docs' }),
    expected: expect6(200, 200, 200, 200, 200, 200),
  },
  {
    route: 'POST /v1/jobs',
    call: async () => ({ method: 'POST', path: '/v1/jobs', body: job('A') }),
    expected: expect6(202, 202, 403, 403, 401, 401),
  },
  {
    route: 'POST /v1/jobs',
    call: async () => ({ method: 'POST', path: '/v1/jobs?dry_run=true', body: job('A') }),
    expected: expect6(200, 200, 200, 403, 401, 401),
  },
  {
    route: 'GET /v1/jobs/:id',
    call: async () => ({ method: 'GET', path: `/v1/jobs/${jobOfA}` }),
    expected: READ_A,
  },
  {
    route: 'GET /v1/jobs/:id/results',
    call: async () => ({ method: 'GET', path: `/v1/jobs/${jobOfA}/results` }),
    expected: READ_A,
  },
  // The list holds the caller's projects only: another project's key gets a page without them, not a refusal.
  { route: 'GET /v1/jobs', call: async () => ({ method: 'GET', path: '/v1/jobs' }), expected: ANY_KEY },
  {
    route: 'GET /v1/jobs/:id/failures',
    call: async () => ({ method: 'GET', path: `/v1/jobs/${jobOfA}/failures` }),
    expected: READ_A,
  },
  {
    route: 'POST /v1/jobs/:id/cancel',
    call: async () => ({ method: 'POST', path: `/v1/jobs/${await submitAsAdmin('A')}/cancel` }),
    expected: expect6(200, 200, 403, 404, 401, 401),
  },
  { route: 'GET /v1/budgets', call: async () => ({ method: 'GET', path: '/v1/budgets' }), expected: ANY_KEY },
  {
    route: 'GET /v1/budgets/:project',
    call: async () => ({ method: 'GET', path: '/v1/budgets/A' }),
    expected: READ_A,
  },
  {
    route: 'PUT /v1/budgets/:project',
    call: async () => ({ method: 'PUT', path: '/v1/budgets/A', body: { monthly_usd: 100 } }),
    expected: ADMIN_ONLY(200),
  },
  {
    route: 'DELETE /v1/budgets/:project',
    call: async () => {
      await asAdmin('PUT', '/v1/budgets/A', { monthly_usd: 100 });
      return { method: 'DELETE', path: '/v1/budgets/A' };
    },
    expected: ADMIN_ONLY(204),
  },
  { route: 'GET /v1/costs', call: async () => ({ method: 'GET', path: '/v1/costs' }), expected: ANY_KEY },
  {
    route: 'GET /v1/dashboard',
    call: async () => ({ method: 'GET', path: '/v1/dashboard' }),
    expected: ANY_KEY,
  },
  { route: 'GET /v1/me', call: async () => ({ method: 'GET', path: '/v1/me' }), expected: ANY_KEY },
  {
    route: 'POST /v1/keys',
    call: async () => ({
      method: 'POST',
      path: '/v1/keys',
      body: { name: 'x', projects: ['A'], role: 'viewer' },
    }),
    expected: ADMIN_ONLY(201),
  },
  {
    route: 'GET /v1/keys',
    call: async () => ({ method: 'GET', path: '/v1/keys' }),
    expected: ADMIN_ONLY(200),
  },
  {
    route: 'DELETE /v1/keys/:id',
    call: async () => ({ method: 'DELETE', path: `/v1/keys/${(await newKey('viewer', ['A'])).id}` }),
    expected: ADMIN_ONLY(204),
  },
  // Providers' callbacks carry a signature, never a key: a key opens nothing here. With no provider secret set (as
  // in this app) the route is an unknown one to everyone; provider-callbacks.test.ts has it configured.
  {
    route: 'POST /v1/provider-callbacks/:provider',
    call: async () => ({
      method: 'POST',
      path: '/v1/provider-callbacks/openai',
      body: { type: 'batch.completed', data: { id: 'batch_1' } },
    }),
    expected: expect6(404, 404, 404, 404, 404, 404),
  },
  {
    route: 'POST /v1/projects/:project/webhook-secret',
    call: async () => ({ method: 'POST', path: '/v1/projects/A/webhook-secret' }),
    expected: ADMIN_ONLY(201),
  },
];

interface LayerLike {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
  rawPath?: unknown;
}

/** `METHOD /path` of every route the app serves; Bull Board's own routes are one opaque mount. */
function routesOf(app: TestApi['app']): string[] {
  const found: string[] = [];
  const walk = (stack: LayerLike[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) {
          if (method !== '_all') found.push(`${method.toUpperCase()} ${prefix}${layer.route.path}`);
        }
      } else if (layer.handle?.stack) {
        const path = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        if (prefix + path === BULL_BOARD_PATH) found.push(`ANY ${BULL_BOARD_PATH}`);
        else walk(layer.handle.stack, prefix + path);
      }
    }
  };
  walk((app as unknown as { router: { stack: LayerLike[] } }).router.stack, '');
  return [...new Set(found)].sort();
}

beforeAll(async () => {
  api = await startTestApi({ adminKeys: [ADMIN_KEY], deps: { webhookSecretsKey: 'k'.repeat(40) } });
  keys.memberA = (await newKey('member', ['A'])).key;
  keys.viewerA = (await newKey('viewer', ['A'])).key;
  keys.memberB = (await newKey('member', ['B'])).key;
  const revoked = await newKey('member', ['A', 'B']);
  await asAdmin('DELETE', `/v1/keys/${revoked.id}`);
  keys.revoked = revoked.key;
  await asAdmin('PUT', '/v1/budgets/A', { monthly_usd: 100 });
  jobOfA = await submitAsAdmin('A');
});

afterAll(async () => {
  await api?.close();
});

describe('the access matrix', () => {
  it('has a row for every route the API serves', () => {
    const covered = [...new Set(MATRIX.map((row) => row.route))].sort();
    expect(routesOf(api.app)).toEqual(covered);
  });

  for (const row of MATRIX) {
    it(`${row.route}: ${CALLERS.map((who) => `${who} ${row.expected[who]}`).join(', ')}`, async () => {
      const got: Partial<Expected> = {};
      for (const who of CALLERS) got[who] = (await send(who, await row.call())).status;
      expect(got).toEqual(row.expected);
    });
  }
});

async function json(who: Who, path: string, init: { method?: string; body?: unknown } = {}) {
  const key = keys[who];
  const response = await fetch(`${api.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: answers are read loosely here
  return { status: response.status, body: (await response.json()) as any };
}

describe('what each key sees', () => {
  it('a member submitting into another project is refused with a 403 naming metadata.project', async () => {
    const { status, body } = await json('memberA', '/v1/jobs', { method: 'POST', body: job('B') });
    expect(status).toBe(403);
    expect(body.error).toMatchObject({ type: 'forbidden', field: 'metadata.project' });
  });

  it('a job records the key that submitted it', async () => {
    const submitted = await json('memberA', '/v1/jobs', { method: 'POST', body: job('A') });
    const me = await json('memberA', '/v1/me');
    const view = await json('viewerA', `/v1/jobs/${submitted.body.job_id}`);
    expect(view.body.submitted_by).toEqual({ key_id: me.body.key_id, name: 'member of A' });
    expect(me.body).toMatchObject({ role: 'member', projects: ['A'] });
  });

  it('another project is answered exactly as what does not exist', async () => {
    const foreign = await json('memberB', `/v1/jobs/${jobOfA}`);
    const missing = await json('memberB', '/v1/jobs/00000000-0000-4000-8000-000000000000');
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.type).toEqual(missing.body.error.type);
    expect(foreign.body.error.message.replace(jobOfA, 'ID')).toEqual(
      missing.body.error.message.replace('00000000-0000-4000-8000-000000000000', 'ID'),
    );
  });

  it('budgets, the dashboard and costs list only the key’s projects', async () => {
    await asAdmin('PUT', '/v1/budgets/B', { monthly_usd: 50 });
    await submitAsAdmin('B');
    const budgets = async (who: Who) =>
      (await json(who, '/v1/budgets')).body.budgets.map((b: { project: string }) => b.project).sort();
    expect(await budgets('admin')).toEqual(['A', 'B']);
    expect(await budgets('viewerA')).toEqual(['A']);
    expect(await budgets('memberB')).toEqual(['B']);
    const dashboard = (await json('memberB', '/v1/dashboard')).body;
    expect(dashboard.budgets.map((b: { project: string }) => b.project)).toEqual(['B']);
    const running = dashboard.running_jobs.map((j: { project: string }) => j.project);
    expect(running.length).toBeGreaterThan(0);
    expect(new Set(running)).toEqual(new Set(['B']));
    const adminRunning = (await json('admin', '/v1/dashboard')).body.running_jobs.map(
      (j: { project: string }) => j.project,
    );
    expect(new Set(adminRunning)).toEqual(new Set(['A', 'B']));
  });

  it('lists keys without their secrets, and a revoked key is refused on its next call', async () => {
    const made = await newKey('viewer', ['A']);
    expect(
      (await fetch(`${api.url}/v1/me`, { headers: { authorization: `Bearer ${made.key}` } })).status,
    ).toBe(200);
    const listed = (await json('admin', '/v1/keys')).body.keys;
    const row = listed.find((k: { id: string }) => k.id === made.id);
    expect(row).toMatchObject({
      prefix: made.key.slice(0, 12),
      role: 'viewer',
      projects: ['A'],
      revoked_at: null,
    });
    expect(row.last_used_at).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(made.key);
    await asAdmin('DELETE', `/v1/keys/${made.id}`);
    expect(
      (await fetch(`${api.url}/v1/me`, { headers: { authorization: `Bearer ${made.key}` } })).status,
    ).toBe(401);
    const stored = await api.sql<
      { key_sha256: string }[]
    >`select key_sha256 from api_keys where id = ${made.id}`;
    expect(stored[0]!.key_sha256).not.toContain(made.key);
  });

  it('refuses a key request that names no projects or an unknown role, field by field', async () => {
    const { status, body } = await json('admin', '/v1/keys', {
      method: 'POST',
      body: { name: 'x', projects: [], role: 'owner' },
    });
    expect(status).toBe(400);
    expect(body.error.problems.map((p: { field: string }) => p.field).sort()).toEqual(['projects', 'role']);
  });
});
