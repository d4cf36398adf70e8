import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { type Stack, startStack } from '../support/stack';

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  stack = await startStack({
    name: 'api-docs',
    workers: 0,
    env: { ADMIN_API_KEYS: 'docs-test-admin-key-1f2e' },
  });
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  webhooks: Record<string, Record<string, unknown>>;
}

const operationsOf = (entries: OpenApi['paths']) =>
  Object.entries(entries).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
  );

it('/docs renders every operation of /openapi.json from local files only, with no key', async () => {
  const answer = await fetch(`${stack.apiUrl}/openapi.json`);
  expect(answer.status).toBe(200);
  const document = (await answer.json()) as OpenApi;
  expect(document.openapi).toMatch(/^3\.1\./);
  // Swagger UI lists the webhooks the API sends (job.finished) with the routes.
  const operations = [...operationsOf(document.paths), ...operationsOf(document.webhooks)];
  expect(operations).toContain('POST /v1/jobs');
  expect(operations).toContain('POST job.finished');

  const page = await browser.newPage();
  const elsewhere: string[] = [];
  const problems: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(stack.apiUrl) && !request.url().startsWith('data:'))
      elsewhere.push(request.url());
  });
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  try {
    await page.goto(`${stack.apiUrl}/docs`);
    await page.locator('.opblock').first().waitFor();
    const shown = await page
      .locator('.opblock-summary')
      .evaluateAll((blocks) =>
        blocks.map(
          (b) =>
            `${b.querySelector('.opblock-summary-method')?.textContent?.trim()} ${b
              .querySelector('.opblock-summary-path')
              ?.getAttribute('data-path')}`,
        ),
      );
    expect(shown.sort()).toEqual([...operations].sort());
    await expect(page.locator('.info .title').textContent()).resolves.toMatch(/Tranche/);
  } finally {
    await page.close();
  }
  expect(elsewhere).toEqual([]);
  expect(problems).toEqual([]);
});
