import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type JobToSubmit, TrancheClient } from '@tranche/client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { REPO_ROOT } from '../support/processes';
import { type Stack, startStack } from '../support/stack';
import { waitFor } from '../support/wait';

/**
 * The job pages in Chromium over a whole stack: jobs of two projects (one completed, one that finished with
 * failures, one held at its provider), read and cancelled through the pages as an operator would.
 */
const ADMIN_KEY = 'job-pages-admin-key-5c1e9d';
const ALPHA = 'pages-alpha';
const BETA = 'pages-beta';

/** OpenAI's polls answer 503 until cleared: its batch stays in flight. Anthropic fails half the requests for good. */
const FAULTS = {
  seed: 5,
  http: [{ provider: 'openai', method: 'GET', path: '^/batches/', status: 503 }],
  request_errors: { provider: 'anthropic', rate: 0.5, status: 400 },
};

let stack: Stack;
let browser: Browser;
let admin: TrancheClient;
let memberKey: string;
let viewerKey: string;
const jobs = { completed: '', partlyFailed: '', running: '' };
/** What the pages showed as the job's cost so far. */
const shownCost: { list: string | null; partlyFailed: string | null } = { list: null, partlyFailed: null };

const job = (
  project: string,
  provider: JobToSubmit['provider'],
  model: string,
  count: number,
): JobToSubmit => ({
  provider,
  model,
  metadata: { project, owner: 'operators', run_id: `${project}-${provider}` },
  options: { max_attempts: 1 },
  inputs: Array.from({ length: count }, (_, i) => ({
    id: `${provider}-${i}`,
    prompt: `Summarise note ${i}.`,
  })),
});

beforeAll(async () => {
  stack = await startStack({ name: 'job-pages', workers: 1, env: { ADMIN_API_KEYS: ADMIN_KEY } });
  stack.emulator.setFaults(FAULTS);
  admin = new TrancheClient({ url: stack.apiUrl, apiKey: ADMIN_KEY });
  const projects = [ALPHA, BETA];
  [memberKey, viewerKey, browser] = await Promise.all([
    admin.keys.create({ name: 'operator', projects, role: 'member' }).then((k) => k.key),
    admin.keys.create({ name: 'onlooker', projects, role: 'viewer' }).then((k) => k.key),
    launchChromium(),
  ]);
  jobs.completed = (await admin.submit(job(ALPHA, 'mistral', 'mistral-small-latest', 6))).job_id;
  jobs.partlyFailed = (await admin.submit(job(BETA, 'anthropic', 'claude-sonnet-4-5', 20))).job_id;
  jobs.running = (await admin.submit(job(ALPHA, 'openai', 'gpt-4o-mini', 4))).job_id;
  const [completed, partlyFailed] = await Promise.all([
    admin.wait(jobs.completed, { intervalMs: 200 }),
    admin.wait(jobs.partlyFailed, { intervalMs: 200 }),
  ]);
  expect([completed.status, partlyFailed.status]).toEqual(['completed', 'completed_with_failures']);
  await seedDailyCost('0.034');
  await waitFor('the OpenAI job to be at its provider, blocked on its polls', async () => {
    const view = await admin.get(jobs.running);
    return view.batches.some((b) => b.provider_batch_id !== null) && view.blocked !== null;
  });
}, 90_000);

/**
 * A finished job of a third project (outside the operator's keys) that cost a few cents today: the daily chart's
 * axis then steps by half a cent, where labels rounded to cents used to repeat ($0.01, $0.02, $0.02, $0.03).
 */
async function seedDailyCost(costUsd: string) {
  const [seeded] = await stack.sql<{ id: string }[]>`
    insert into jobs (id, status, provider, model, kind, spec, project, owner, run_id, max_attempts, poll_interval_s,
                      input_count, timeout_at, finished_at)
    values (gen_random_uuid()::text, 'completed', 'openai', 'gpt-4o-mini', 'chat', '{}', 'pages-costs', 'finance',
            'run-costs', 1, 300, 1, now() + interval '1 day', now())
    returning id`;
  await stack.sql`
    insert into results (custom_id, job_id, status, input_tokens, output_tokens, cached_tokens, cost_usd,
                         sync_cost_usd, price_version, attempts)
    values ('pages-costs-0', ${seeded!.id}, 'succeeded', 1000, 100, 0, ${costUsd}, ${costUsd}, 'test', 1)`;
}

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

interface Opened {
  page: Page;
  /** Closes the tab, checking that no script of the page failed. */
  close(): Promise<void>;
}

/** A fresh tab on a page of the dashboard, with the key in its URL fragment as an operator would be given it. */
async function openAs(key: string, path: string): Promise<Opened> {
  const context: BrowserContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const [file, hash] = path.split('#');
  await page.goto(`${stack.apiUrl}${file}#${hash ? `${hash}&` : ''}key=${key}`);
  return {
    page,
    async close() {
      await context.close();
      expect(errors).toEqual([]);
    },
  };
}

/** A picture of the page for people to look at (test/output, not committed). */
async function screenshot(page: Page, name: string) {
  mkdirSync(join(REPO_ROOT, 'test', 'output'), { recursive: true });
  await page.screenshot({ path: join(REPO_ROOT, 'test', 'output', name), fullPage: true });
}

/** The text of every element matching, once the page has drawn them. */
async function texts(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).allInnerTexts();
}

const row = (page: Page, jobId: string) => page.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`);

describe('the jobs list', () => {
  it('lists the jobs of both projects, filters them by project and by status, and links each to its page', async () => {
    const { page, close } = await openAs(memberKey, '/dashboard/jobs.html');
    await row(page, jobs.completed).waitFor();
    expect(page.url()).not.toContain('key=');
    shownCost.list = await row(page, jobs.partlyFailed).getByTestId('job-cost').textContent();
    const rows = await texts(page, '[data-testid="job-row"]');
    expect(rows).toHaveLength(3);
    expect(rows[0]).toContain(ALPHA);
    expect(rows[0]).toContain('running');
    expect(rows[1]).toContain(BETA);
    expect(rows[1]).toContain('completed with failures');
    expect(rows[2]).toContain('completed');
    expect(rows[2]).toContain('6 ok · 0 failed · 0 pending');

    await page.fill('#filter-project', BETA);
    await page.click('#filters button[type="submit"]');
    await page
      .locator('[data-testid="job-row"]', { hasNotText: BETA })
      .first()
      .waitFor({ state: 'detached' });
    expect(await texts(page, '[data-testid="job-row"]')).toEqual([expect.stringContaining(BETA)]);

    await page.click('#clear-filters');
    await row(page, jobs.running).waitFor();
    await page.selectOption('#filter-status', ['completed']);
    await page.click('#filters button[type="submit"]');
    await row(page, jobs.running).waitFor({ state: 'detached' });
    const completedOnly = await texts(page, '[data-testid="job-row"]');
    expect(completedOnly).toHaveLength(1);
    expect(completedOnly[0]).toContain(ALPHA);
    expect(page.url()).toContain('status=completed');
    await screenshot(page, 'jobs-list.png');

    await row(page, jobs.completed).getByTestId('job-link').click();
    await page.locator('[data-testid="job-status"]', { hasText: 'completed' }).waitFor();
    expect(page.url()).toContain(`job.html#id=${jobs.completed}`);
    await close();
  });
});

describe('a job page', () => {
  it('shows a job that finished with failures: reconciliation, batches, failures by reason, cost, a download', async () => {
    const { page, close } = await openAs(memberKey, `/dashboard/job.html#id=${jobs.partlyFailed}`);
    await page.locator('[data-testid="job-status"]', { hasText: 'completed with failures' }).waitFor();
    const view = await admin.get(jobs.partlyFailed);
    const failures = await admin.failures(jobs.partlyFailed);
    const { succeeded, failed } = view.reconciliation;
    expect(failed).toBeGreaterThan(0);
    expect(succeeded).toBeGreaterThan(0);
    expect(await page.textContent('[data-testid="reconciled-succeeded"]')).toBe(String(succeeded));
    expect(await page.textContent('[data-testid="reconciled-failed"]')).toBe(String(failed));
    expect(await page.textContent('[data-testid="reconciled-pending"]')).toBe('0');

    // The timeline: each provider batch with its state, counts and timestamps.
    const batches = await texts(page, '[data-testid="batch"]');
    expect(batches).toHaveLength(view.batches.length);
    for (const text of batches) {
      expect(text).toContain('fetched');
      expect(text).toMatch(/created \d{4}-\d{2}-\d{2} [\d:]{8} UTC/);
      expect(text).toMatch(/fetched \d{4}-\d{2}-\d{2} [\d:]{8} UTC/);
    }
    expect(batches.join('\n')).toContain(`${failed} failed of 20`);

    // Failures by reason, with their counts and examples carrying the input's own id.
    const reasons = await texts(page, '[data-testid="failure-reason"]');
    expect(reasons).toHaveLength(failures.reasons.length);
    for (const [i, reason] of failures.reasons.entries()) {
      expect(reasons[i]).toContain(`${reason.reason} · ${reason.count} request`);
      expect(reasons[i]).toContain(reason.examples[0]!.input_id!);
    }
    expect(failures.reasons.reduce((n, r) => n + r.count, 0)).toBe(failed);

    shownCost.partlyFailed = await page.textContent('[data-testid="job-cost-usd"]');
    expect(shownCost.partlyFailed).toMatch(/^\$0\.\d+$/);
    expect(shownCost.partlyFailed).toBe(shownCost.list);
    expect(await page.isHidden('[data-testid="cancel-job"]')).toBe(true);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid="download-results"]'),
    ]);
    expect(download.suggestedFilename()).toBe(`job-${jobs.partlyFailed}-results.jsonl`);
    const lines = readFileSync((await download.path())!, 'utf8')
      .trimEnd()
      .split('\n');
    expect(lines).toHaveLength(20);
    expect(lines.filter((l) => JSON.parse(l).status === 'failed')).toHaveLength(failed);
    await page.locator('[data-testid="action-note"]', { hasText: '20 lines' }).waitFor();
    await screenshot(page, 'job-page.png');
    await close();
  });

  it('shows a viewer no cancel button', async () => {
    const { page, close } = await openAs(viewerKey, `/dashboard/job.html#id=${jobs.running}`);
    await page.locator('[data-testid="job-status"]', { hasText: 'running' }).waitFor();
    expect(await page.isVisible('[data-testid="download-results"]')).toBe(true);
    expect(await page.isHidden('[data-testid="cancel-job"]')).toBe(true);
    await close();
  });

  it('lets a member cancel a running job, blocked reason shown, and then shows it cancelled', async () => {
    const { page, close } = await openAs(memberKey, `/dashboard/job.html#id=${jobs.running}`);
    await page.locator('[data-testid="job-status"]', { hasText: 'running' }).waitFor();
    expect(await page.textContent('[data-testid="job-blocked"]')).toMatch(/^Blocked since .*503/);
    expect(await page.textContent('[data-testid="batches"]')).toContain('submitted');
    page.once('dialog', (dialog) => dialog.accept());
    await page.click('[data-testid="cancel-job"]');
    await page.locator('[data-testid="action-note"]', { hasText: 'Cancel requested' }).waitFor();
    // The provider answers its polls again: the cancel goes through.
    stack.emulator.setFaults({});
    await page.locator('[data-testid="job-status"]', { hasText: 'cancelled' }).waitFor({ timeout: 30_000 });
    expect(await page.isHidden('[data-testid="cancel-job"]')).toBe(true);
    expect((await admin.get(jobs.running)).status).toBe('cancelled');
    await close();
  });
});

describe('the cost dashboard', () => {
  it('links its job lists to the job pages, lists jobs that finished with failures, and reads small amounts apart', async () => {
    const { page, close } = await openAs(ADMIN_KEY, '/dashboard');
    await page.waitForSelector('body[data-generated-at]');
    await page.waitForFunction(() =>
      (globalThis as unknown as { Chart?: { getChart(id: string): unknown } }).Chart?.getChart('daily-chart'),
    );
    const partlyFailed = page.locator(
      `[data-testid="partly-failed-job"][data-job-id="${jobs.partlyFailed}"]`,
    );
    expect(await partlyFailed.textContent()).toContain('completed with failures');
    const troubled = page.locator(`[data-testid="troubled-job"][data-job-id="${jobs.running}"]`);
    expect(await troubled.textContent()).toContain('cancelled');
    expect(await page.getAttribute('[data-testid="jobs-list-link"]', 'href')).toBe('/dashboard/jobs.html');

    // The daily chart's axis at amounts of a fraction of a cent: every tick reads differently.
    const ticks = await page.evaluate(() => {
      const chart = (
        globalThis as unknown as {
          Chart: { getChart(id: string): { scales: { y: { ticks: Array<{ label: string }> } } } };
        }
      ).Chart.getChart('daily-chart');
      return chart.scales.y.ticks.map((t) => t.label);
    });
    expect(ticks.length).toBeGreaterThan(4);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(ticks).toContain('$0.015');

    // One money format: the job's cost reads the same here, in the jobs list and on its page.
    const cost = await partlyFailed.getByTestId('job-cost').textContent();
    expect(cost).toBe(shownCost.partlyFailed);

    await partlyFailed.getByTestId('job-link').click();
    await page.locator('[data-testid="job-status"]', { hasText: 'completed with failures' }).waitFor();
    await close();
  });
});
