import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROVIDERS } from '@tranche/adapters';
import { setBudget } from '@tranche/db';
import { decimalToPico } from '@tranche/pricing';
import { BatchClient, CostQueryError } from '@tranche/producer';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { type CostSeed, DAY, expectedFigures, type SeededResult, seedCosts } from '../support/cost-seed';
import { OUTPUT_DIR, REPO_ROOT } from '../support/processes';
import { REDIS_URL, type Stack, startStack } from '../support/stack';

const API_KEY = 'dash-test-key-3f9c2b1e7a';
const WINDOWS = { '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY } as const;
type Window = keyof typeof WINDOWS;
const GROUP_KEYS = ['project', 'owner', 'environment', 'provider', 'model'] as const;

// biome-ignore lint/suspicious/noExplicitAny: API bodies are read loosely in tests
type Body = any;

/** What the page functions below use of the browser (the test project compiles without the DOM library). */
interface BrowserGlobals {
  document: { querySelectorAll(selector: string): ArrayLike<{ width: number; height: number }> };
  Chart: { getChart(canvas: unknown): unknown };
}

let stack: Stack;
let seed: CostSeed;
let browser: Browser;
let client: BatchClient;

beforeAll(async () => {
  stack = await startStack({ name: 'dashboard', workers: 0, env: { API_KEYS: API_KEY } });
  seed = await seedCosts(stack.sql);
  await setBudget(stack.sql, 'support-triage', '25');
  await setBudget(stack.sql, 'contracts', '500');
  client = new BatchClient({ databaseUrl: stack.db.url, redisUrl: REDIS_URL, queuePrefix: stack.prefix });
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await client?.close();
  await stack?.stop();
});

async function api(
  path: string,
  key: string | null = API_KEY,
): Promise<{ status: number; type: string; body: Body }> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    headers: key ? { authorization: `Bearer ${key}` } : {},
  });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, type, body: type.includes('json') ? JSON.parse(text) : text };
}

const inWindow = (from: Date, to: Date) => (r: SeededResult) => r.createdAt >= from && r.createdAt < to;
const lastWindow = (window: Window) =>
  seed.results.filter(inWindow(new Date(seed.now.getTime() - WINDOWS[window]), seed.now));

/** The seeded results by the value of each group key, as the API should group them. */
function byKeys(results: SeededResult[], keys: readonly (typeof GROUP_KEYS)[number][]) {
  const groups = new Map<string, SeededResult[]>();
  for (const r of results) {
    const id = JSON.stringify(keys.map((k) => r[k]));
    groups.set(id, [...(groups.get(id) ?? []), r]);
  }
  return groups;
}

describe('GET /v1/costs', () => {
  it('needs the API key, like every /v1 route', async () => {
    expect((await api('/v1/costs', null)).status).toBe(401);
    expect((await api('/v1/dashboard', null)).status).toBe(401);
    expect((await api('/v1/costs', 'wrong-key')).status).toBe(401);
  });

  it('answers one total group over the last 30 days by default, summed exactly', async () => {
    const { status, body } = await api('/v1/costs');
    expect(status).toBe(200);
    expect(Date.parse(body.window.to) - Date.parse(body.window.from)).toBe(30 * DAY);
    expect(body.group_by).toEqual([]);
    const expected = expectedFigures(lastWindow('30d'));
    expect(expected.unpriced_results).toBeGreaterThan(0);
    expect(body.totals).toEqual(expected);
    expect(body.groups).toEqual([expected]);
  });

  it('sums the 24h and 7d windows, and an explicit from..to, as by hand', async () => {
    for (const window of ['24h', '7d'] as const) {
      const { body } = await api(`/v1/costs?window=${window}`);
      expect(Date.parse(body.window.to) - Date.parse(body.window.from)).toBe(WINDOWS[window]);
      expect(body.totals).toEqual(expectedFigures(lastWindow(window)));
    }
    const from = new Date(seed.now.getTime() - 10 * DAY);
    const to = new Date(seed.now.getTime() - 5 * DAY);
    const range = await api(`/v1/costs?window=${from.toISOString()}..${to.toISOString()}`);
    expect(range.status).toBe(200);
    expect(range.body.window).toEqual({ from: from.toISOString(), to: to.toISOString() });
    expect(range.body.totals).toEqual(expectedFigures(seed.results.filter(inWindow(from, to))));
    // Whole UTC days, and a zone offset sent unencoded (its `+` arrives as a space).
    const dayFrom = new Date(seed.now.getTime() - 20 * DAY).toISOString().slice(0, 10);
    const dayTo = new Date(seed.now.getTime() - 2 * DAY).toISOString().slice(0, 10);
    const days = await api(`/v1/costs?window=${dayFrom}..${dayTo}T02:00:00+02:00`);
    expect(days.body.window).toEqual({ from: `${dayFrom}T00:00:00.000Z`, to: `${dayTo}T00:00:00.000Z` });
    expect(days.body.totals).toEqual(
      expectedFigures(
        seed.results.filter(inWindow(new Date(days.body.window.from), new Date(days.body.window.to))),
      ),
    );
  });

  it('groups by each key, most expensive first, the groups adding up to the totals', async () => {
    const results = lastWindow('30d');
    for (const key of GROUP_KEYS) {
      const { status, body } = await api(`/v1/costs?window=30d&group_by=${key}`);
      expect(status).toBe(200);
      expect(body.group_by).toEqual([key]);
      const expected = byKeys(results, [key]);
      expect(body.groups).toHaveLength(expected.size);
      for (const group of body.groups) {
        const { [key]: value, ...figures } = group;
        expect(figures).toEqual(expectedFigures(expected.get(JSON.stringify([value]))!));
      }
      const costs = body.groups.map((g: { cost_usd: string }) => decimalToPico(g.cost_usd));
      expect(costs).toEqual([...costs].sort((a: bigint, b: bigint) => (a < b ? 1 : a > b ? -1 : 0)));
      expect(costs.reduce((a: bigint, b: bigint) => a + b, 0n)).toBe(decimalToPico(body.totals.cost_usd));
    }
    const environments = (await api('/v1/costs?group_by=environment')).body.groups.map(
      (g: { environment: string | null }) => g.environment,
    );
    expect(environments).toContain(null);
  });

  it('groups by several keys at once', async () => {
    const { body } = await api('/v1/costs?window=7d&group_by=provider,model,owner');
    expect(body.group_by).toEqual(['provider', 'model', 'owner']);
    const expected = byKeys(lastWindow('7d'), ['provider', 'model', 'owner']);
    expect(body.groups).toHaveLength(expected.size);
    for (const { provider, model, owner, ...figures } of body.groups)
      expect(figures).toEqual(expectedFigures(expected.get(JSON.stringify([provider, model, owner]))!));
    const unpriced = body.groups.find((g: { model: string }) => g.model === seed.unpriced.model);
    expect(unpriced).toMatchObject({ cost_usd: '0.000000000000' });
    expect(unpriced.unpriced_results).toBe(unpriced.results);
  });

  it('writes CSV: a header, then one row per group and no totals row', async () => {
    const json = (await api('/v1/costs?window=30d&group_by=project,environment')).body;
    const { status, type, body } = await api('/v1/costs?window=30d&group_by=project,environment&format=csv');
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/csv/);
    const lines = (body as string).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'project,environment,cost_usd,sync_cost_usd,savings_usd,input_tokens,output_tokens,cached_tokens,results,' +
        'succeeded,failed,unpriced_results',
    );
    expect(lines.slice(1)).toEqual(
      json.groups.map((g: Record<string, unknown>) =>
        [
          g.project,
          g.environment ?? '',
          g.cost_usd,
          g.sync_cost_usd,
          g.savings_usd,
          g.input_tokens,
          g.output_tokens,
          g.cached_tokens,
          g.results,
          g.succeeded,
          g.failed,
          g.unpriced_results,
        ].join(','),
      ),
    );
    expect(lines.some((line) => line.startsWith('search-embeddings,,'))).toBe(true);
    const total = (await api('/v1/costs?window=24h&format=csv')).body.trimEnd().split('\r\n');
    expect(total).toHaveLength(2);
    expect(total[1]!.split(',')[0]).toBe((await api('/v1/costs?window=24h')).body.totals.cost_usd);
  });

  it('refuses a bad parameter with a 400 that names it', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['window=5d', 'window', /24h, 7d, 30d/],
      ['window=2026-02-01..2026-01-01', 'window', /must be before/],
      ['window=yesterday..today', 'window', /not an ISO date/],
      ['window=2026-01-01T10:00..2026-01-02', 'window', /with a zone/],
      ['window=24h&window=7d', 'window', /once/],
      ['group_by=project,colour', 'group_by', /colour/],
      ['group_by=project,project', 'group_by', /twice/],
      ['format=xml', 'format', /json or csv/],
      ['groupby=project', 'groupby', /unknown parameter/],
    ];
    for (const [query, parameter, message] of cases) {
      const { status, body } = await api(`/v1/costs?${query}`);
      expect({ query, status, type: body.error?.type, parameter: body.error?.parameter }).toEqual({
        query,
        status: 400,
        type: 'invalid_query',
        parameter,
      });
      expect(body.error.message).toMatch(message);
      expect(body.error.message.startsWith(`${parameter}: `)).toBe(true);
    }
  });

  it('BatchClient.costs gives the same figures', async () => {
    const http = (await api('/v1/costs?window=7d&group_by=provider,model')).body;
    const sdk = await client.costs({ window: '7d', groupBy: ['provider', 'model'] });
    expect({ ...sdk, window: null }).toEqual({ ...http, window: null });
    const from = new Date(seed.now.getTime() - 12 * DAY);
    const to = new Date(seed.now.getTime() - 3 * DAY);
    expect(await client.costs({ from, to: to.toISOString(), groupBy: 'project,owner' })).toEqual(
      (await api(`/v1/costs?window=${from.toISOString()}..${to.toISOString()}&group_by=project,owner`)).body,
    );
    await expect(client.costs({ groupBy: ['colour'] })).rejects.toBeInstanceOf(CostQueryError);
    await expect(client.costs({ window: '7d', from })).rejects.toThrow(/either window or from\/to/);
    await expect(client.costs({ from: 'last tuesday' })).rejects.toThrow(/^from: /);
  });
});

interface Shown {
  testid: string;
  text: string;
  [data: string]: string;
}

/** Every element of the page that carries a figure: its test id, its data attributes and its text. */
async function readFigures(page: Page): Promise<Shown[]> {
  return page.$$eval('[data-testid]', (elements) =>
    elements.map((element) => ({
      ...(element as unknown as { dataset: Record<string, string> }).dataset,
      testid: element.getAttribute('data-testid') ?? '',
      text: (element.textContent ?? '').trim(),
    })),
  );
}

/** The pages' one money rule, written out again to check them against: what `exact` reads as, without the `$`. */
function moneyText(exact: string): string {
  const value = Number(exact);
  const rounded = Number(Math.abs(value).toPrecision(4));
  if (rounded === 0) return '0.00';
  let digits: string;
  if (rounded >= 1) digits = Math.abs(value).toFixed(2);
  else {
    // Four significant digits, trailing zeros dropped, two decimals at least.
    digits = rounded.toFixed(3 - Math.floor(Math.log10(rounded))).replace(/0+$/, '');
    digits = digits.padEnd(digits.indexOf('.') + 3, '0');
  }
  return `${value < 0 ? '-' : ''}${digits}`;
}

/**
 * The amount a cell shows is its exact value in the pages' one money format, in a card as in a table: two decimals
 * from $1 up ($1,234.57), four significant digits below ($0.03521, $0.0001234).
 */
function expectShownMoney(text: string, exact: string) {
  const match = /(-?)\$([\d,]+(?:\.\d+)?)/.exec(text);
  expect(match, `"${text}" shows no amount`).not.toBeNull();
  expect(`${match![1]}${match![2]!.replaceAll(',', '')}`).toBe(moneyText(exact));
}

function expectCell(
  cells: Shown[],
  match: Record<string, string>,
  group: Record<string, unknown> | undefined,
) {
  const cell = cells.find((c) => Object.entries(match).every(([k, v]) => c[k] === v));
  expect(cell, JSON.stringify(match)).toBeDefined();
  if (!group) {
    expect(cell!.text).toBe('—');
    return;
  }
  expect(cell!.value).toBe(group.cost_usd);
  expect(Number(cell!.results)).toBe(group.results);
  if (group.unpriced_results === group.results) {
    expect(cell!.text).toBe('unpriced');
    expect(cell!.text).not.toContain('$');
  } else expectShownMoney(cell!.text, group.cost_usd as string);
}

/** Opens the page with the key in its fragment (or reloads it, the key already in the tab), until drawn. */
async function openDashboard(page: Page, reload = false, key = API_KEY) {
  if (reload) await page.reload();
  else await page.goto(`${stack.apiUrl}/dashboard#key=${key}`);
  await page.waitForSelector('body[data-generated-at]', { timeout: 20_000 });
  await page.waitForFunction(
    () => {
      const globals = globalThis as unknown as BrowserGlobals;
      const canvases = Array.from(globals.document.querySelectorAll('canvas'));
      return (
        canvases.length === 2 &&
        canvases.every((canvas) => globals.Chart.getChart(canvas) && canvas.width > 0 && canvas.height > 0)
      );
    },
    undefined,
    { timeout: 20_000 },
  );
}

const chromiumArgs = { viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 };

describe('the dashboard page', () => {
  it('is served without a key, under a strict CSP, and asks for the key the API needs', async () => {
    const response = await fetch(`${stack.apiUrl}/dashboard`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await response.text()).toContain('/dashboard/chart.umd.js');
    const chartJs = await fetch(`${stack.apiUrl}/dashboard/chart.umd.js`);
    expect(chartJs.status).toBe(200);
    expect(await chartJs.text()).toContain('Chart.js v4.6.1');

    const context = await browser.newContext(chromiumArgs);
    const page = await context.newPage();
    await page.goto(`${stack.apiUrl}/dashboard`);
    await page.waitForSelector('[data-testid="key-form"]:not([hidden])');
    expect(await page.isHidden('#content')).toBe(true);
    await page.fill('#key-input', 'not-the-key');
    await page.click('#key-form button[type="submit"]');
    await page.waitForSelector('#key-message:text("refused")');
    await page.fill('#key-input', API_KEY);
    await page.click('#key-form button[type="submit"]');
    await page.waitForSelector('body[data-generated-at]');
    expect(await page.isHidden('[data-testid="key-form"]')).toBe(true);
    await context.close();
  });

  it('offers every provider the API takes in the jobs list filter, and keeps the one the link names', async () => {
    const context = await browser.newContext(chromiumArgs);
    const page = await context.newPage();
    await page.goto(`${stack.apiUrl}/dashboard/jobs.html#provider=${PROVIDERS[1]}&key=${API_KEY}`);
    await page.waitForSelector('body[data-loaded-at]', { timeout: 20_000 });
    const options = await page.$$eval('#filter-provider option', (elements) =>
      elements.map((element) => (element as unknown as { value: string }).value),
    );
    expect(options).toEqual(['', ...PROVIDERS]);
    expect(await page.inputValue('#filter-provider')).toBe(PROVIDERS[1]);
    await context.close();
  });

  it("shows the API's figures, with rendered charts, and keeps a screenshot", async () => {
    const context = await browser.newContext(chromiumArgs);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));

    // The page and the API are read at two instants: read again if a UTC midnight fell between them.
    let cells: Shown[] = [];
    let dashboard: Body;
    for (let attempt = 0; attempt < 2; attempt++) {
      await openDashboard(page, attempt > 0);
      cells = await readFigures(page);
      dashboard = (await api('/v1/dashboard')).body;
      const pageDay = (await page.getAttribute('body', 'data-generated-at'))!.slice(0, 10);
      if (pageDay === dashboard.generated_at.slice(0, 10)) break;
    }
    expect(page.url()).not.toContain('#key');
    expect(await page.evaluate(() => sessionStorage.getItem('tranche.apiKey'))).toBe(API_KEY);

    // Cards: cost, sync-equivalent cost, savings, results and unpriced results of each window.
    for (const window of Object.keys(WINDOWS) as Window[]) {
      const { totals } = (await api(`/v1/costs?window=${window}`)).body;
      expect(dashboard.windows[window].totals).toEqual(totals);
      const card = (testid: string) => cells.find((c) => c.testid === testid && c.window === window)!;
      for (const [testid, figure] of [
        ['window-cost', 'cost_usd'],
        ['window-sync', 'sync_cost_usd'],
        ['window-savings', 'savings_usd'],
      ]) {
        expect(card(testid!).value).toBe(totals[figure!]);
        expectShownMoney(card(testid!).text, totals[figure!]);
      }
      expect(Number(card('window-results').value)).toBe(totals.results);
      expect(Number(card('window-unpriced').value)).toBe(totals.unpriced_results);
      expect(totals).toEqual(expectedFigures(lastWindow(window)));
    }
    expect(Number(cells.find((c) => c.testid === 'window-unpriced' && c.window === '30d')!.value)).toBe(45);

    // Per project, provider and model, each window: the cell holds /v1/costs's exact value and shows it rounded.
    for (const window of Object.keys(WINDOWS) as Window[]) {
      const projects = (await api(`/v1/costs?window=${window}&group_by=project`)).body.groups;
      const providers = (await api(`/v1/costs?window=${window}&group_by=provider`)).body.groups;
      const models = (await api(`/v1/costs?window=${window}&group_by=provider,model`)).body.groups;
      const allProjects = [...new Set(seed.results.map((r) => r.project))];
      for (const project of allProjects)
        expectCell(
          cells,
          { testid: 'project-cost', project, window },
          projects.find((g: { project: string }) => g.project === project),
        );
      for (const provider of ['openai', 'anthropic', 'mistral', 'vertex'])
        expectCell(
          cells,
          { testid: 'provider-cost', provider, window },
          providers.find((g: { provider: string }) => g.provider === provider),
        );
      for (const { provider, model } of (await api('/v1/costs?group_by=provider,model')).body.groups)
        expectCell(
          cells,
          { testid: 'model-cost', provider, model, window },
          models.find(
            (g: { provider: string; model: string }) => g.provider === provider && g.model === model,
          ),
        );
      expectCell(cells, { testid: 'project-total', window }, dashboard.windows[window].totals);
    }
    const monthSavings = (await api('/v1/costs?group_by=project')).body.groups;
    for (const group of monthSavings) {
      const cell = cells.find((c) => c.testid === 'project-savings' && c.project === group.project)!;
      expect(cell.value).toBe(group.savings_usd);
    }
    const unpricedCells = cells.filter((c) => c.testid === 'model-cost' && c.model === seed.unpriced.model);
    expect(unpricedCells.map((c) => c.text)).toEqual(['unpriced', 'unpriced', 'unpriced']);

    // The running job, with its progress as in its reconciliation.
    const running = dashboard.running_jobs.find((j: { job_id: string }) => j.job_id === seed.running.id);
    expect(running).toMatchObject({ total: 240, done: 156, succeeded: 150, failed: 6 });
    const progress = cells.find((c) => c.testid === 'job-progress' && c.jobId === seed.running.id)!;
    expect([Number(progress.done), Number(progress.total), Number(progress.failed)]).toEqual([156, 240, 6]);
    const job = await api(`/v1/jobs/${seed.running.id}`);
    expect(job.body.reconciliation).toMatchObject({ submitted: 240, succeeded: 150, failed: 6, pending: 84 });
    const barWidth = await page.$eval(
      `[data-testid="job-progress"][data-job-id="${seed.running.id}"] .done`,
      (bar) => (bar as unknown as { style: { width: string } }).style.width,
    );
    expect(Number.parseFloat(barWidth)).toBeCloseTo((100 * 150) / 240, 5);
    expect(cells.find((c) => c.testid === 'job-cost' && c.jobId === seed.running.id)!.value).toBe(
      running.cost_usd,
    );

    // Failed, timed out and cancelled jobs; the project over its budget.
    const troubled = cells.filter((c) => c.testid === 'troubled-job').map((c) => [c.jobId, c.status]);
    expect(troubled).toEqual(
      dashboard.troubled_jobs.map((j: { job_id: string; status: string }) => [j.job_id, j.status]),
    );
    expect(troubled).toEqual(
      expect.arrayContaining([
        [seed.failed.id, 'failed'],
        [seed.timedOut.id, 'timed_out'],
        [seed.cancelled.id, 'cancelled'],
      ]),
    );
    const budgets = cells.filter((c) => c.testid === 'budget');
    expect(budgets.map((b) => [b.project, b.overBudget, b.committed])).toEqual(
      dashboard.budgets.map((b: { project: string; over_budget: boolean; committed_usd: string }) => [
        b.project,
        String(b.over_budget),
        b.committed_usd,
      ]),
    );
    expect(budgets.find((b) => b.project === 'support-triage')?.overBudget).toBe('true');
    expect(budgets.find((b) => b.project === 'contracts')?.overBudget).toBe('false');

    // The model without a price is listed as such.
    const unpriced = cells.filter((c) => c.testid === 'unpriced-model');
    expect(unpriced.map((c) => [c.provider, c.model, Number(c.results)])).toEqual([
      [seed.unpriced.provider, seed.unpriced.model, 45],
    ]);
    expect(dashboard.unpriced_models).toMatchObject([{ ...seed.unpriced, results: 45 }]);

    // The daily chart draws the API's series, stacked by project, over 30 UTC days.
    const daily = await page.evaluate(() => {
      const chart = (
        globalThis as unknown as {
          Chart: {
            getChart(id: string): {
              data: { labels: string[]; datasets: Array<{ label: string; exact: string[] }> };
              options: { scales: { y: { stacked: boolean } } };
              scales: { y: { ticks: Array<{ label: string }> } };
            };
          };
        }
      ).Chart.getChart('daily-chart');
      return {
        labels: chart.data.labels.length,
        stacked: chart.options.scales.y.stacked,
        ticks: chart.scales.y.ticks.map((t) => t.label),
        datasets: chart.data.datasets.map((d) => ({ project: d.label, cost_usd: d.exact })),
      };
    });
    expect(daily.labels).toBe(30);
    expect(daily.stacked).toBe(true);
    // Its axis reads in the money format, each tick differently.
    expect(new Set(daily.ticks).size).toBe(daily.ticks.length);
    for (const tick of daily.ticks) expect(tick).toMatch(/^\$[\d,]+\.\d{2,}$/);
    expect(daily.datasets).toEqual(
      dashboard.daily.projects.map((p: { project: string; cost_usd: string[] }) => ({
        project: p.project,
        cost_usd: p.cost_usd,
      })),
    );
    expect(dashboard.daily.projects.map((p: { project: string }) => p.project).sort()).toEqual([
      'contracts',
      'research',
      'search-embeddings',
      'support-triage',
    ]);

    expect(errors).toEqual([]);
    const screenshot = join(REPO_ROOT, 'test', 'output', 'dashboard.png');
    mkdirSync(join(REPO_ROOT, 'test', 'output'), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    // The README's picture is refreshed on demand only, so that running the tests leaves the tree unchanged.
    if (process.env.UPDATE_README_SCREENSHOT === '1')
      copyFileSync(screenshot, join(REPO_ROOT, 'docs', 'dashboard.png'));
    await context.close();

    // The key reached the API only in a header: never in its log.
    expect(readFileSync(join(OUTPUT_DIR, 'dashboard-api.log'), 'utf8')).not.toContain(API_KEY);
  });

  it("with a project key, shows that project's figures only", async () => {
    const created = await fetch(`${stack.apiUrl}/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'contracts team', projects: ['contracts'], role: 'viewer' }),
    });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    const context = await browser.newContext(chromiumArgs);
    const page = await context.newPage();
    await openDashboard(page, false, key);
    const cells = await readFigures(page);
    const shownProjects = new Set(cells.filter((c) => c.project !== undefined).map((c) => c.project));
    expect(shownProjects).toEqual(new Set(['contracts']));
    const contracts = (r: SeededResult) => r.project === 'contracts';
    for (const window of Object.keys(WINDOWS) as Window[]) {
      const card = cells.find((c) => c.testid === 'window-cost' && c.window === window)!;
      expect(card.value).toBe(expectedFigures(lastWindow(window).filter(contracts)).cost_usd);
    }
    const mine = (await api('/v1/dashboard', key)).body;
    expect(mine.budgets.map((b: { project: string }) => b.project)).toEqual(['contracts']);
    expect(mine.daily.projects.map((p: { project: string }) => p.project)).toEqual(['contracts']);
    expect(mine.troubled_jobs.every((j: { project: string }) => j.project === 'contracts')).toBe(true);
    const own = seed.jobs.find((j) => j.project === 'contracts')!;
    const other = seed.jobs.find((j) => j.project !== 'contracts')!;
    expect((await api(`/v1/jobs/${own.id}`, key)).status).toBe(200);
    expect((await api(`/v1/jobs/${other.id}`, key)).status).toBe(404);
    await context.close();
  });

  it('refreshes itself every 30 seconds', async () => {
    const context = await browser.newContext(chromiumArgs);
    const page = await context.newPage();
    await page.clock.install();
    await openDashboard(page);
    const before = await page.getAttribute('body', 'data-generated-at');
    expect(await page.$('[data-testid="project-cost"][data-project="late-project"]')).toBeNull();
    const [job] = await stack.sql<{ id: string }[]>`
      insert into jobs (id, status, provider, model, kind, spec, project, owner, run_id, max_attempts, poll_interval_s,
                        input_count, timeout_at, finished_at)
      values (gen_random_uuid()::text, 'completed', 'openai', 'gpt-5.4-mini', 'chat', '{}', 'late-project', 'eve',
              'run-late', 3, 300, 1, now() + interval '1 day', now())
      returning id`;
    await stack.sql`
      insert into results (custom_id, job_id, status, input_tokens, output_tokens, cached_tokens, cost_usd,
                           sync_cost_usd, price_version, attempts)
      values ('run-late-0', ${job!.id}, 'succeeded', 1000, 100, 0, '0.000600000000', '0.001200000000',
              'test', 1)`;
    await page.clock.fastForward(31_000);
    await page.waitForSelector(
      '[data-testid="project-cost"][data-project="late-project"][data-window="24h"]',
    );
    expect(await page.getAttribute('body', 'data-generated-at')).not.toBe(before);
    expect(
      await page.getAttribute(
        '[data-testid="project-cost"][data-project="late-project"][data-window="24h"]',
        'data-value',
      ),
    ).toBe('0.000600000000');
    await context.close();
  });
});
