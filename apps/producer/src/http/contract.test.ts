import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { openApiDocument } from '@tranche/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../test-support/api-app';
import { appRoutes } from '../test-support/app-routes';
import { type CheckedResponse, ContractChecker } from '../test-support/contract-check';
import { BULL_BOARD_PATH } from './admin';

/**
 * The API answers only what its OpenAPI document allows, and the document describes every route the API serves.
 * Each answer below, error answers included, is checked against the document itself (ajv), not the zod schemas.
 */
const ADMIN_KEY = 'admin-key-for-the-contract-test';

/** Routes the app serves that are not operations of the API, each for a reason. */
const NOT_OPERATIONS = [
  // Bull Board's own page, assets and API, behind HTTP Basic with an admin key: not part of Tranche's API.
  `ANY ${BULL_BOARD_PATH}`,
  // Static assets of the dashboard page: its chart library, and the providers its jobs filter offers.
  'GET /dashboard/chart.umd.js',
  'GET /dashboard/providers.json',
  // Called by providers (OpenAI's and the Gemini API's batch webhooks) with their signature, not by Tranche's clients
  // with a key: docs/provider-callbacks.md describes it.
  'POST /v1/provider-callbacks/{provider}',
];

const contract = new ContractChecker();
let api: TestApi;
const keys: Record<'admin' | 'memberA' | 'viewerA' | 'memberB', string> = {
  admin: ADMIN_KEY,
  memberA: '',
  viewerA: '',
  memberB: '',
};
type Who = keyof typeof keys | 'none';

interface Call {
  who: Who;
  method: string;
  path: string;
  json?: unknown;
  /** A raw body with its content type. */
  body?: { type: string; text: string };
  headers?: Record<string, string>;
}

async function send(base: string, call: Call): Promise<Response> {
  const headers: Record<string, string> = { ...call.headers };
  if (call.who !== 'none') headers.authorization = `Bearer ${keys[call.who]}`;
  let body: string | undefined;
  if (call.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(call.json);
  } else if (call.body) {
    headers['content-type'] = call.body.type;
    body = call.body.text;
  }
  return fetch(`${base}${call.path}`, { method: call.method, headers, body });
}

/** Sends the call and checks its answer against the document. */
async function checked(call: Call, base = api.url): Promise<CheckedResponse> {
  return contract.check(call.method, await send(base, call));
}

// biome-ignore lint/suspicious/noExplicitAny: answers are read loosely once the document has checked them
type Loose = any;

const job = (project: string, inputs: unknown[] = [{ prompt: 'hello' }]) => ({
  provider: 'openai',
  model: 'gpt-4o-mini',
  metadata: { project, owner: 'contract' },
  inputs,
});

const ndjson = (lines: unknown[]) => ({
  type: 'application/x-ndjson',
  text: `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`,
});

async function newKey(role: 'member' | 'viewer', projects: string[]): Promise<{ id: string; key: string }> {
  const created = await checked({
    who: 'admin',
    method: 'POST',
    path: '/v1/keys',
    json: { name: role, projects, role },
  });
  expect(created.status).toBe(201);
  return created.body as { id: string; key: string };
}

beforeAll(async () => {
  api = await startTestApi({ adminKeys: [ADMIN_KEY], deps: { webhookSecretsKey: 'k'.repeat(40) } });
  keys.memberA = (await newKey('member', ['A'])).key;
  keys.viewerA = (await newKey('viewer', ['A'])).key;
  keys.memberB = (await newKey('member', ['B'])).key;
});

afterAll(async () => {
  await api?.close();
});

describe('the document and the app', () => {
  it('documents every route the app serves, and the app serves every documented operation', () => {
    const served = appRoutes(api.app, [BULL_BOARD_PATH]).filter((route) => !NOT_OPERATIONS.includes(route));
    expect(served).toEqual([...contract.operations()].sort());
  });

  it('serves the document at /openapi.json, as generated, without a key', async () => {
    const { status, body } = await checked({ who: 'none', method: 'GET', path: '/openapi.json' });
    expect(status).toBe(200);
    expect(body).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });

  it('serves the reference page at /docs from its own files, under a strict CSP', async () => {
    const page = await send(api.url, { who: 'none', method: 'GET', path: '/docs' });
    const checkedPage = await contract.check('GET', page);
    expect(checkedPage.text).toContain('/docs/swagger-ui-bundle.js');
    expect(checkedPage.text).not.toMatch(/https?:\/\//);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("style-src 'self' 'unsafe-inline';");
    for (const asset of ['/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css', '/docs/init.js']) {
      const response = await fetch(`${api.url}${asset}`);
      expect(response.status, asset).toBe(200);
      await response.arrayBuffer();
    }
    // swagger-ui-dist's own page and initializer (the Petstore) are not served.
    const petstore = await fetch(`${api.url}/docs/swagger-initializer.js`);
    expect(petstore.status).toBe(404);
    await petstore.arrayBuffer();
  });
});

describe('a tour of the API: every answer is one the document allows', () => {
  let jobOfA: string;

  it('health, metrics and the pages', async () => {
    expect((await checked({ who: 'none', method: 'GET', path: '/health' })).status).toBe(200);
    expect((await checked({ who: 'admin', method: 'GET', path: '/metrics' })).status).toBe(200);
    expect((await checked({ who: 'none', method: 'GET', path: '/metrics' })).status).toBe(401);
    expect((await checked({ who: 'none', method: 'GET', path: '/dashboard/' })).status).toBe(200);
  });

  it('submits as JSON and as NDJSON, and estimates both ways', async () => {
    const submitted = await checked({ who: 'memberA', method: 'POST', path: '/v1/jobs', json: job('A') });
    expect(submitted.status).toBe(202);
    jobOfA = (submitted.body as Loose).job_id;
    const { inputs, ...header } = job('A', [{ prompt: 'one' }, { prompt: 'two', id: 'mine' }]);
    const streamed = await checked({
      who: 'memberA',
      method: 'POST',
      path: '/v1/jobs',
      body: ndjson([header, ...inputs]),
    });
    expect(streamed.status).toBe(202);
    expect((streamed.body as Loose).inputs).toBe(2);
    for (const call of [{ json: job('A') }, { body: ndjson([header, ...inputs]) }]) {
      const estimate = await checked({
        who: 'viewerA',
        method: 'POST',
        path: '/v1/jobs?dry_run=true',
        ...call,
      });
      expect(estimate.status).toBe(200);
      expect((estimate.body as Loose).dry_run).toBe(true);
    }
  });

  it('replays a submit with the same Idempotency-Key, and refuses the key with another body (422)', async () => {
    const key = randomUUID();
    const first = await checked({
      who: 'memberA',
      method: 'POST',
      path: '/v1/jobs',
      json: job('A'),
      headers: { 'idempotency-key': key },
    });
    const again = await send(api.url, {
      who: 'memberA',
      method: 'POST',
      path: '/v1/jobs',
      json: job('A'),
      headers: { 'idempotency-key': key },
    });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await contract.check('POST', again)).body).toEqual(first.body);
    const reused = await checked({
      who: 'memberA',
      method: 'POST',
      path: '/v1/jobs',
      json: job('A', [{ prompt: 'another' }]),
      headers: { 'idempotency-key': key },
    });
    expect(reused.status).toBe(422);
    expect((reused.body as Loose).error.type).toBe('idempotency_key_reused');
  });

  it('refuses bad submits with the documented errors', async () => {
    const invalid = await checked({
      who: 'memberA',
      method: 'POST',
      path: '/v1/jobs',
      json: { provider: 'nope', metadata: { project: 'A' }, inputs: [{ prompt: 1 }] },
    });
    expect(invalid.status).toBe(400);
    expect((invalid.body as Loose).error.type).toBe('invalid_job');
    expect((invalid.body as Loose).error.problems.length).toBeGreaterThan(1);
    const badJson = await checked({
      who: 'memberA',
      method: 'POST',
      path: '/v1/jobs',
      body: { type: 'application/json', text: '{"provider":' },
    });
    expect((badJson.body as Loose).error.type).toBe('invalid_json');
    const badDryRun = await checked({
      who: 'memberA',
      method: 'POST',
      path: '/v1/jobs?dry_run=maybe',
      json: job('A'),
    });
    expect((badDryRun.body as Loose).error).toMatchObject({
      type: 'invalid_request',
      problems: [{ field: 'dry_run' }],
    });
    const badKey = await checked({
      who: 'memberA',
      method: 'POST',
      path: '/v1/jobs',
      json: job('A'),
      headers: { 'idempotency-key': 'é'.repeat(3) },
    });
    expect((badKey.body as Loose).error.type).toBe('invalid_request');
    expect((await checked({ who: 'viewerA', method: 'POST', path: '/v1/jobs', json: job('A') })).status).toBe(
      403,
    );
    const foreign = await checked({ who: 'memberB', method: 'POST', path: '/v1/jobs', json: job('A') });
    expect((foreign.body as Loose).error).toMatchObject({ type: 'forbidden', field: 'metadata.project' });
    expect((await checked({ who: 'none', method: 'POST', path: '/v1/jobs', json: job('A') })).status).toBe(
      401,
    );
    const huge = await checked({
      who: 'memberA',
      method: 'POST',
      path: '/v1/jobs',
      json: job('A', [{ prompt: 'x'.repeat(1_100_000) }]),
    });
    expect(huge.status).toBe(413);
  });

  it('refuses a job its project’s budget cannot take (402)', async () => {
    expect(
      (
        await checked({
          who: 'admin',
          method: 'PUT',
          path: '/v1/budgets/tight',
          json: { monthly_usd: '0.000001' },
        })
      ).status,
    ).toBe(200);
    const refused = await checked({
      who: 'admin',
      method: 'POST',
      path: '/v1/jobs',
      json: { ...job('tight'), defaults: { params: { max_tokens: 100_000 } } },
    });
    expect(refused.status).toBe(402);
    expect((refused.body as Loose).error.details.budget.project).toBe('tight');
  });

  it('shows a job, its results (NDJSON with X-Result-Count) and its failures', async () => {
    expect((await checked({ who: 'viewerA', method: 'GET', path: `/v1/jobs/${jobOfA}` })).status).toBe(200);
    expect((await checked({ who: 'memberB', method: 'GET', path: `/v1/jobs/${jobOfA}` })).status).toBe(404);
    const results = await send(api.url, {
      who: 'viewerA',
      method: 'GET',
      path: `/v1/jobs/${jobOfA}/results`,
    });
    const count = Number(results.headers.get('x-result-count'));
    const lines = (await contract.check('GET', results)).body as Loose[];
    expect(lines).toHaveLength(count);
    expect(lines[0]).toMatchObject({ status: 'pending' });
    expect(
      (await checked({ who: 'memberB', method: 'GET', path: `/v1/jobs/${jobOfA}/results` })).status,
    ).toBe(404);
    expect(
      (await checked({ who: 'viewerA', method: 'GET', path: `/v1/jobs/${jobOfA}/failures` })).status,
    ).toBe(200);
    expect(
      (await checked({ who: 'memberB', method: 'GET', path: `/v1/jobs/${jobOfA}/failures` })).status,
    ).toBe(404);
    const failuresQuery = await checked({
      who: 'viewerA',
      method: 'GET',
      path: `/v1/jobs/${jobOfA}/failures?examples=x`,
    });
    expect(failuresQuery.status).toBe(400);
  });

  it('lists jobs, and refuses a bad filter', async () => {
    const list = await checked({
      who: 'viewerA',
      method: 'GET',
      path: '/v1/jobs?status=queued,running&limit=2',
    });
    expect(list.status).toBe(200);
    expect((list.body as Loose).jobs.length).toBeGreaterThan(0);
    expect((await checked({ who: 'viewerA', method: 'GET', path: '/v1/jobs?status=lost' })).status).toBe(400);
  });

  it('cancels a job; a viewer may not, and a finished job answers 409', async () => {
    expect(
      (await checked({ who: 'viewerA', method: 'POST', path: `/v1/jobs/${jobOfA}/cancel` })).status,
    ).toBe(403);
    expect(
      (await checked({ who: 'memberB', method: 'POST', path: `/v1/jobs/${jobOfA}/cancel` })).status,
    ).toBe(404);
    const cancelled = await checked({ who: 'memberA', method: 'POST', path: `/v1/jobs/${jobOfA}/cancel` });
    expect(cancelled.status).toBe(200);
    expect((cancelled.body as Loose).status).toBe('cancelled');
    const again = await checked({ who: 'memberA', method: 'POST', path: `/v1/jobs/${jobOfA}/cancel` });
    expect(again.status).toBe(409);
    expect((again.body as Loose).error).toMatchObject({ type: 'already_finished', status: 'cancelled' });
  });

  it('budgets: set, read, list, delete, and their refusals', async () => {
    expect(
      (await checked({ who: 'admin', method: 'PUT', path: '/v1/budgets/A', json: { monthly_usd: 100 } }))
        .status,
    ).toBe(200);
    expect((await checked({ who: 'viewerA', method: 'GET', path: '/v1/budgets/A' })).status).toBe(200);
    expect((await checked({ who: 'viewerA', method: 'GET', path: '/v1/budgets' })).status).toBe(200);
    expect((await checked({ who: 'memberB', method: 'GET', path: '/v1/budgets/A' })).status).toBe(404);
    expect(
      (await checked({ who: 'admin', method: 'GET', path: `/v1/budgets/${'x'.repeat(101)}` })).status,
    ).toBe(400);
    const bad = await checked({
      who: 'admin',
      method: 'PUT',
      path: '/v1/budgets/A',
      json: { monthly_usd: 'ten', x: 1 },
    });
    expect((bad.body as Loose).error.problems.map((p: Loose) => p.field).sort()).toEqual([
      '(body)',
      'monthly_usd',
    ]);
    const badJson = await checked({
      who: 'admin',
      method: 'PUT',
      path: '/v1/budgets/A',
      body: { type: 'application/json', text: '{' },
    });
    expect((badJson.body as Loose).error.type).toBe('invalid_json');
    const big = await checked({
      who: 'admin',
      method: 'PUT',
      path: '/v1/budgets/A',
      json: { monthly_usd: 1, pad: 'x'.repeat(20_000) },
    });
    expect(big.status).toBe(413);
    expect(
      (await checked({ who: 'memberA', method: 'PUT', path: '/v1/budgets/A', json: { monthly_usd: 1 } }))
        .status,
    ).toBe(403);
    expect((await checked({ who: 'memberA', method: 'DELETE', path: '/v1/budgets/A' })).status).toBe(403);
    expect((await checked({ who: 'admin', method: 'DELETE', path: '/v1/budgets/A' })).status).toBe(204);
    expect((await checked({ who: 'admin', method: 'DELETE', path: '/v1/budgets/A' })).status).toBe(404);
    expect(
      (await checked({ who: 'admin', method: 'DELETE', path: `/v1/budgets/${'x'.repeat(101)}` })).status,
    ).toBe(400);
  });

  it('costs as JSON and CSV, the dashboard data, and a refused parameter', async () => {
    const json = await checked({
      who: 'viewerA',
      method: 'GET',
      path: '/v1/costs?window=7d&group_by=project,model',
    });
    expect(json.contentType).toBe('application/json');
    const csv = await checked({
      who: 'viewerA',
      method: 'GET',
      path: '/v1/costs?format=csv&group_by=project',
    });
    expect(csv.contentType).toBe('text/csv');
    const refused = await checked({ who: 'viewerA', method: 'GET', path: '/v1/costs?window=2d' });
    expect((refused.body as Loose).error).toMatchObject({ type: 'invalid_query', parameter: 'window' });
    expect((await checked({ who: 'memberB', method: 'GET', path: '/v1/dashboard' })).status).toBe(200);
    expect((await checked({ who: 'admin', method: 'GET', path: '/v1/dashboard' })).status).toBe(200);
  });

  it('keys: who am I, create, list, revoke, and their refusals', async () => {
    expect(((await checked({ who: 'admin', method: 'GET', path: '/v1/me' })).body as Loose).projects).toBe(
      'all',
    );
    expect(
      ((await checked({ who: 'memberA', method: 'GET', path: '/v1/me' })).body as Loose).projects,
    ).toEqual(['A']);
    const made = await newKey('viewer', ['A', 'A', ' B ']);
    expect((await checked({ who: 'admin', method: 'GET', path: '/v1/keys' })).status).toBe(200);
    expect((await checked({ who: 'memberA', method: 'GET', path: '/v1/keys' })).status).toBe(403);
    const bad = await checked({
      who: 'admin',
      method: 'POST',
      path: '/v1/keys',
      json: { name: '', projects: [] },
    });
    expect((bad.body as Loose).error.type).toBe('invalid_request');
    const big = await checked({
      who: 'admin',
      method: 'POST',
      path: '/v1/keys',
      json: { name: 'x'.repeat(20_000), projects: ['A'], role: 'viewer' },
    });
    expect(big.status).toBe(413);
    const notAdmin = { name: 'x', projects: ['A'], role: 'viewer' };
    expect((await checked({ who: 'memberA', method: 'POST', path: '/v1/keys', json: notAdmin })).status).toBe(
      403,
    );
    expect((await checked({ who: 'memberA', method: 'DELETE', path: `/v1/keys/${made.id}` })).status).toBe(
      403,
    );
    expect((await checked({ who: 'admin', method: 'DELETE', path: `/v1/keys/${made.id}` })).status).toBe(204);
    expect((await checked({ who: 'admin', method: 'DELETE', path: `/v1/keys/${made.id}` })).status).toBe(404);
  });

  it('rotates a project’s webhook secret (admins only)', async () => {
    const path = '/v1/projects/A/webhook-secret';
    expect((await checked({ who: 'admin', method: 'POST', path })).status).toBe(201);
    expect((await checked({ who: 'memberA', method: 'POST', path })).status).toBe(403);
    const tooLong = await checked({
      who: 'admin',
      method: 'POST',
      path: `/v1/projects/${'x'.repeat(101)}/webhook-secret`,
    });
    expect(tooLong.status).toBe(400);
  });

  it('answers a path it does not serve with the Error shape', async () => {
    const response = await send(api.url, { who: 'admin', method: 'GET', path: '/v1/nothing-here' });
    expect(response.status).toBe(404);
    contract.checkComponent('Error', await response.json());
  });

  it('has visited every operation of the document', () => {
    const visited = new Set([...contract.seen].map((answer) => answer.split(' ').slice(0, 2).join(' ')));
    expect(contract.operations().filter((operation) => !visited.has(operation))).toEqual([]);
  });
});

describe('an API with rate limits and no WEBHOOK_SECRETS_KEY', () => {
  let limited: TestApi;

  beforeAll(async () => {
    limited = await startTestApi({
      adminKeys: [ADMIN_KEY],
      deps: {
        rateLimits: {
          prefix: `contract-${randomBytes(4).toString('hex')}`,
          submitPerMinute: 1,
          readsPerMinute: 2,
        },
      },
    });
    // Until Redis is ready, requests pass uncounted.
    if (limited.redis.status !== 'ready') await once(limited.redis, 'ready');
  });

  afterAll(async () => {
    await limited?.close();
  });

  it('answers 409 not_configured to a webhook secret rotation', async () => {
    const rotation = await checked(
      { who: 'admin', method: 'POST', path: '/v1/projects/A/webhook-secret' },
      limited.url,
    );
    expect(rotation.status).toBe(409);
    expect((rotation.body as Loose).error).toMatchObject({
      type: 'not_configured',
      setting: 'WEBHOOK_SECRETS_KEY',
    });
  });

  it('answers 429 with Retry-After once a key is over its limit (2 reads, 1 submit a minute)', async () => {
    // The rotation above was the first read of the minute.
    const statuses: number[] = [];
    for (let i = 0; i < 2; i += 1) {
      statuses.push((await checked({ who: 'admin', method: 'GET', path: '/v1/me' }, limited.url)).status);
    }
    expect(statuses).toEqual([200, 429]);
    const submits: number[] = [];
    for (let i = 0; i < 2; i += 1) {
      submits.push(
        (await checked({ who: 'admin', method: 'POST', path: '/v1/jobs', json: job('A') }, limited.url))
          .status,
      );
    }
    expect(submits).toEqual([202, 429]);
  });
});
