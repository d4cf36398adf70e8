import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { descriptorOf } from '@tranche/adapters';
import type { JobResult, JobToSubmit, JobView, TrancheClient } from '@tranche/client';
import { embeddingVector } from '@tranche/emulator';
import { decimalToPico, loadPriceTable, picoToDecimal } from '@tranche/pricing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, waitOptions } from '../support/client';
import { chatJob, expectReconciled } from '../support/jobs';
import { OUTPUT_DIR } from '../support/processes';
import { type Stack, startStack } from '../support/stack';
import { waitFor } from '../support/wait';
import { handCost, type LineUsage } from './hand-cost';
import { type ConformanceTarget, type HandPrices, TARGETS } from './targets';

// One stack serves every provider. Small chunk caps make every job split, so the split itself is exercised too.
const CHUNK_MAX_REQUESTS = 150;
const CHUNK_MAX_BYTES = 256 * 1024;

// The emulator's step for this suite (each batch state lasts a step), slowed down for the cancel case. Half the
// stack's default: nine providers run every case in turn, and the file runs alone (fileParallelism is off).
const STEP_MS = 50;
const SLOW_FACTOR = 80;

let stack: Stack;
let api: TrancheClient;

beforeAll(async () => {
  stack = await startStack({
    name: 'conformance',
    stepMs: STEP_MS,
    workers: 1,
    env: {
      CHUNK_MAX_REQUESTS: String(CHUNK_MAX_REQUESTS),
      CHUNK_MAX_BYTES: String(CHUNK_MAX_BYTES),
      // Polled once a step (the stack's floor, MIN_POLL_INTERVAL_S): a batch's end is seen within a step.
      POLL_INTERVAL_S: String(STEP_MS / 1000),
    },
  });
  api = clientFor(stack);
});
afterAll(async () => {
  await stack?.stop();
});

/**
 * A job of `count` inputs on the target. Where the provider refuses batches under a minimum, inputs of the job's kind
 * are added after them up to it (`pad-…`), so that the case runs there too.
 */
function job(
  target: ConformanceTarget,
  count: number,
  overrides: Record<string, unknown> = {},
  inputOf?: (i: number) => Record<string, unknown>,
) {
  const header = { provider: target.provider, model: target.model, ...overrides };
  const size = Math.max(count, target.minRequests ?? 0);
  if (size === count) return chatJob(count, header, inputOf);
  const pad = (i: number) =>
    overrides.kind === 'embedding'
      ? { id: `pad-${i}`, text: `padding ${i}` }
      : { id: `pad-${i}`, prompt: `Padding ${i}.` };
  return chatJob(size, header, (i) =>
    i < count ? (inputOf?.(i) ?? { id: `doc-${i}`, prompt: `Summarise document number ${i}.` }) : pad(i),
  );
}

/** The results of the job's own inputs, in input order, without the padding `job` added. */
async function ownResults(jobId: string): Promise<JobResult[]> {
  return (await Array.fromAsync(api.results(jobId))).filter((line) => !line.id?.startsWith('pad-'));
}

/**
 * Where a minimum applies, requests sent again in a round of their own are fewer than a batch may hold: they fail
 * with that reason instead of going out, and nothing more is sent.
 */
async function expectRoundUnderMinimum(
  target: ConformanceTarget,
  view: JobView,
  jobId: string,
  sent: number,
) {
  expect(view.status).toBe('completed_with_failures');
  const failed = (await Array.fromAsync(api.results(jobId))).filter((line) => line.status === 'failed');
  expect(failed.length).toBeGreaterThan(0);
  expect(failed.length).toBeLessThan(target.minRequests!);
  for (const line of failed)
    expect(line.error).toMatchObject({ code: 'below_batch_minimum', retryable: false });
  expect(stats(target.provider).requests).toBe(sent);
}

async function run(body: JobToSubmit) {
  const { job_id: jobId } = await api.submit(body);
  const view = await api.wait(jobId, waitOptions());
  expectReconciled(view.reconciliation);
  return { jobId, view };
}

/**
 * The vector the emulator answers for `text` (see packages/emulator/src/core/model.ts): float32 values seeded by
 * the model name as the provider's request names it (`requestModel`).
 */
function emulatedVector(
  target: ConformanceTarget,
  model: string,
  text: string,
  dimensions: number,
): number[] {
  const named = target.requestModel(model);
  return embeddingVector(createHash('sha256').update(`${named}\n${text}`).digest(), dimensions);
}

const stats = (provider: string) => stack.emulator.stats()[provider] ?? { batches: 0, requests: 0, bytes: 0 };

/**
 * Every result line costs what the hand-copied list prices make of its tokens, and the job view's totals are exactly
 * their sums (picodollars, no rounding tolerance).
 */
function expectCostsByHand(prices: HandPrices, lines: JobResult[], view: JobView) {
  let batch = 0n;
  let sync = 0n;
  for (const line of lines) {
    const expected = handCost(prices, line.usage as LineUsage);
    expect({ id: line.id, cost: line.cost_usd, sync: line.sync_cost_usd }).toEqual({
      id: line.id,
      cost: picoToDecimal(expected.batch),
      sync: picoToDecimal(expected.sync),
    });
    batch += expected.batch;
    sync += expected.sync;
  }
  expect(batch).toBeGreaterThan(0n);
  expect(decimalToPico(view.cost.cost_usd)).toBe(batch);
  expect(decimalToPico(view.cost.sync_cost_usd)).toBe(sync);
  expect(decimalToPico(view.cost.savings_usd)).toBe(sync - batch);
  expect(view.cost.unpriced_results).toBe(0);
  expect(view.cost.price_versions).toEqual([loadPriceTable().version]);
}

interface LogLine {
  pid?: number;
  level?: number;
  model?: string;
  msg?: string;
}

/** The warnings the stack's workers logged about a model, read from their own logs (this run's processes only). */
function workerWarningsAbout(model: string): LogLine[] {
  return stack.workers.flatMap((worker) =>
    readFileSync(join(OUTPUT_DIR, `${worker.name}.log`), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine)
      .filter((line) => line.pid === worker.child.pid && line.level === 40 && line.model === model),
  );
}

describe.each(TARGETS)('conformance: $provider', (target) => {
  afterEach(() => stack.emulator.resetAll());

  it('completes a job, results in input order whatever order the provider answered in, each priced as by hand', async () => {
    // Part of every prompt is read from a cache (and on Anthropic part is written to one): each part has its rate.
    stack.emulator.setFaults({ cached_fraction: 0.5, cache_write_fraction: 0.25 });
    const { view, jobId } = await run(job(target, 200));
    expect(view.status).toBe('completed');
    expect(view.reconciliation).toMatchObject({ submitted: 200, succeeded: 200, failed: 0, pending: 0 });
    expect(view.usage.input_tokens).toBeGreaterThan(0);
    expect(view.usage.output_tokens).toBeGreaterThan(0);
    const lines = await Array.fromAsync(api.results(jobId));
    expect(lines.map((l) => l.id)).toEqual(Array.from({ length: 200 }, (_, i) => `doc-${i}`));
    expect(
      lines.every((l) => l.status === 'succeeded' && (l.usage as { input_tokens: number }).input_tokens > 0),
    ).toBe(true);
    expect(stats(target.provider)).toMatchObject({ batches: 2, requests: 200 });
    expect(view.usage.cached_tokens).toBeGreaterThan(0);
    if (target.prices.cacheWrite) expect(view.usage.cache_write_tokens).toBeGreaterThan(0);
    expectCostsByHand(target.prices, lines, view);
  });

  it('reschedules per-request failures into a new batch', async () => {
    stack.emulator.setFaults({
      seed: 3,
      request_errors: { provider: target.provider, rate: 0.1, status: 500, max_per_custom_id: 1 },
    });
    const { view, jobId } = await run(job(target, 120));
    if (target.minRequests) return expectRoundUnderMinimum(target, view, jobId, 120);
    expect(view.status).toBe('completed');
    expect(view.reconciliation.retried).toBeGreaterThan(0);
    expect(stats(target.provider).requests).toBe(120 + view.reconciliation.retried);
  });

  it('keeps the partial results of an expired batch and sends only the rest again', async () => {
    stack.emulator.setFaults({ expire: { provider: target.provider, fraction_completed: 0.5, times: 1 } });
    const { view, jobId } = await run(job(target, 100));
    const expired = view.batches.filter((b) => b.outcome === 'expired');
    expect(expired).toHaveLength(1);
    if (target.minRequests) return expectRoundUnderMinimum(target, view, jobId, 100);
    expect(view.status).toBe('completed');
    if (target.expiredBatchHasNoResults) {
      // Nothing of the expired batch came back: all of it went again.
      expect(stats(target.provider).requests).toBe(200);
      return;
    }
    expect(stats(target.provider).requests).toBeGreaterThan(100);
    expect(stats(target.provider).requests).toBeLessThan(200);
  });

  it('absorbs 429 and 5xx answers on API calls without a second batch', async () => {
    stack.emulator.setFaults({
      http: [
        { provider: target.provider, method: 'POST', status: 429, times: 2, retry_after_ms: 10 },
        { provider: target.provider, method: 'GET', status: 503, times: 2, retry_after_ms: 10 },
      ],
    });
    const { view } = await run(job(target, 40));
    expect(view.status).toBe('completed');
    expect(stats(target.provider).batches).toBe(1);
  });

  it('splits chunks at the request and byte caps', async () => {
    const doc = (i: number) => `Document ${i}: ${'contract clause '.repeat(5_000)}`;
    const { view } = await run(
      job(target, 310, {}, (i) => ({ id: `d${i}`, prompt: i < 8 ? doc(i) : `short ${i}` })),
    );
    expect(view.status).toBe('completed');
    const { batches } = view;
    expect(batches.length).toBeGreaterThanOrEqual(3);
    for (const batch of batches) {
      expect(batch.requests).toBeLessThanOrEqual(Math.max(CHUNK_MAX_REQUESTS, target.minRequests ?? 0));
      // A provider's minimum wins over the byte cap: a chunk under it grows past the cap to reach it.
      if (target.minRequests) expect(batch.requests).toBeGreaterThanOrEqual(target.minRequests);
      else expect(batch.bytes).toBeLessThanOrEqual(CHUNK_MAX_BYTES * 1.1);
    }
    expect(batches.reduce((sum, b) => sum + b.requests, 0)).toBe(310);
  });

  it('carries a 1 MB single input', async () => {
    const big = `Summarise: ${'lorem ipsum dolor sit amet '.repeat(40_000)}`;
    expect(big.length).toBeGreaterThan(1_000_000);
    const { view, jobId } = await run(job(target, 1, {}, () => ({ id: 'big', prompt: big })));
    expect(view.status).toBe('completed');
    const [line] = await ownResults(jobId);
    expect((line?.usage as { input_tokens: number } | undefined)?.input_tokens).toBeGreaterThan(200_000);
  });

  it('embeds text where the provider has embeddings, and refuses at intake where it has none', async () => {
    const texts = ['first passage', 'second passage 🧭', 'third passage'];
    const body = job(target, texts.length, { kind: 'embedding', model: target.embedding.model }, (i) => ({
      id: `e${i}`,
      text: texts[i],
    }));
    if (!descriptorOf(target.provider).kinds.includes('embedding')) {
      await expect(api.submit(body)).rejects.toMatchObject({
        status: 400,
        message: expect.stringContaining(`kind: ${target.provider} has no embedding batch API`),
      });
      return;
    }
    const { view, jobId } = await run(body);
    expect(view.status).toBe('completed');
    const lines = await Array.fromAsync(api.results(jobId));
    const vectors = lines
      .filter((l) => !l.id?.startsWith('pad-'))
      .map((l) => (l.output as { embedding: number[] }).embedding);
    const model = target.embedding.model;
    // The model's own size, and exactly the float32 values the provider answered.
    expect(vectors).toEqual(
      texts.map((text) => emulatedVector(target, model, text, target.embedding.sizes!.dimensions)),
    );
    expect(vectors[0]).not.toEqual(vectors[1]);
    expect((lines[0]?.usage as { input_tokens: number } | undefined)?.input_tokens).toBeGreaterThan(0);
    const prices = target.embedding.prices;
    if (prices) {
      expectCostsByHand(prices, lines, view);
      return;
    }
    // No price for this model: no cost anywhere (never a zero), and one warning however many results.
    expect(lines.map((l) => [l.cost_usd, l.sync_cost_usd, l.price_version])).toEqual(
      lines.map(() => [null, null, null]),
    );
    expect(view.cost).toMatchObject({ unpriced_results: lines.length, price_versions: [] });
    await waitFor(
      'the unpriced warning in the worker log',
      async () => workerWarningsAbout(model).length > 0,
    );
    const warnings = workerWarningsAbout(model);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toContain(`${model}: its results are stored with no cost`);
  });

  it('takes params.dimensions for embeddings only, and gives vectors of that size', async () => {
    await expect(
      api.submit(job(target, 1, { defaults: { params: { dimensions: 256 } } })),
    ).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('defaults.params.dimensions: only for embedding jobs'),
    });
    const sizes = target.embedding.sizes;
    expect(sizes?.scope ?? null).toBe(descriptorOf(target.provider).embeddingSize);
    if (!sizes) {
      expect(descriptorOf(target.provider).kinds).not.toContain('embedding');
      return;
    }
    const texts = ['alpha', 'beta', 'gamma'];
    const body = (own: number | undefined) =>
      job(
        target,
        texts.length,
        { kind: 'embedding', model: sizes.resizable, defaults: { params: { dimensions: 256 } } },
        (i) => ({
          id: `d${i}`,
          text: texts[i],
          ...(i === 1 && own !== undefined ? { params: { dimensions: own } } : {}),
        }),
      );
    if (sizes.scope === 'batch') {
      await expect(api.submit(body(128))).rejects.toMatchObject({
        status: 400,
        message: expect.stringContaining('inputs[1].params.dimensions'),
      });
    }
    const own = sizes.scope === 'request' ? (sizes.own ?? 128) : undefined;
    const { view, jobId } = await run(body(own));
    expect(view.status).toBe('completed');
    const vectors = (await ownResults(jobId)).map((l) => (l.output as { embedding: number[] }).embedding);
    expect(vectors).toEqual(
      texts.map((text, i) => emulatedVector(target, sizes.resizable, text, i === 1 && own ? own : 256)),
    );
  });

  it('runs a chat job through each chat API the provider offers (options.chat_api), and refuses the option elsewhere', async () => {
    const offered = descriptorOf(target.provider).chatApis;
    expect(offered ?? null).toEqual(target.chatApis ?? null);
    if (!target.chatApis) {
      await expect(api.submit(job(target, 1, { options: { chat_api: 'responses' } }))).rejects.toMatchObject({
        status: 400,
        message: expect.stringContaining(`options.chat_api: ${target.provider} has one chat API`),
      });
      return;
    }
    const schema = {
      type: 'object',
      properties: { summary: { type: 'string' } },
      required: ['summary'],
      additionalProperties: false,
    };
    stack.emulator.setFaults({ cached_fraction: 0.5 });
    for (const [chatApi, rules] of Object.entries(target.chatApis)) {
      for (const param of rules.refused) {
        await expect(
          api.submit(
            job(target, 1, { options: { chat_api: chatApi }, defaults: { params: { [param]: 'END' } } }),
          ),
        ).rejects.toMatchObject({
          status: 400,
          message: expect.stringContaining(`defaults.params.${param}`),
        });
      }
      const { view, jobId } = await run(
        job(target, 20, {
          options: { chat_api: chatApi },
          output: { schema },
          defaults: { params: { max_tokens: 64 } },
        }),
      );
      expect(view.reconciliation, chatApi).toMatchObject({ submitted: 20, succeeded: 20, failed: 0 });
      expect(view.options.chat_api).toBe(chatApi);
      const lines = await Array.fromAsync(api.results(jobId));
      for (const line of lines) {
        expect(line.output, chatApi).toMatchObject({ json: { summary: 'string' }, finishReason: 'stop' });
      }
      expect(view.usage.cached_tokens).toBeGreaterThan(0);
      expectCostsByHand(target.prices, lines, view);
    }
  });

  it('keeps unicode and emoji intact both ways', async () => {
    const prompts = ['Résumé: naïve café 🥐', '日本語のテキスト 🎌', 'emoji 👩‍💻🚀 and Ω≈ç√'];
    const { jobId } = await run(
      job(target, prompts.length, {}, (i) => ({ id: `u${i}`, prompt: prompts[i] })),
    );
    const lines = await ownResults(jobId);
    expect(lines).toHaveLength(prompts.length);
    lines.forEach((line, i) => {
      expect(line.status).toBe('succeeded');
      expect(JSON.stringify(line.output)).toContain(prompts[i]);
    });
  });
});

// The slowed-down cancel case takes some ten seconds of emulator time per provider: the four run side by side, on
// jobs of their own and under one fault setting (the slow factor), which is why they are not in the block above.
describe('conformance: cancels mid-run, keeping what finished', () => {
  beforeAll(() => stack.emulator.setFaults({ slow_factor: SLOW_FACTOR }));
  afterAll(() => stack.emulator.resetAll());

  it.concurrent.for(TARGETS)('$provider', async (target, { expect }) => {
    const { job_id: jobId } = await api.submit(job(target, 100));
    // Every provider names its running state differently; once there, half a (slowed) step lets some requests end.
    await waitFor('the batch to be running', async () => {
      const { batches } = await api.get(jobId);
      return batches.some((b) => b.provider_status === target.runningStatus);
    });
    await new Promise((r) => setTimeout(r, target.stepsToPartialProgress * STEP_MS * SLOW_FACTOR));
    await api.cancel(jobId);
    const view = await api.wait(jobId, waitOptions());
    expectReconciled(view.reconciliation);
    expect(view.status).toBe('cancelled');
    expect(view.reconciliation.pending).toBe(0);
    expect(view.reconciliation.succeeded).toBeGreaterThan(0);
    expect(view.reconciliation.failed_by_reason.cancelled).toBe(100 - view.reconciliation.succeeded);
    // Cancelled requests cost nothing, but are priced (at zero): none of them is counted as unpriced.
    expect(view.cost.unpriced_results).toBe(0);
  });
});

describe('one job spec on every provider', () => {
  it('completes with only provider and model changed', async () => {
    // As many inputs as every provider takes in one batch (AWS Bedrock's minimum is 100 records).
    const count = Math.max(30, ...TARGETS.map((target) => target.minRequests ?? 0));
    const spec = chatJob(count, {
      defaults: { system: 'Answer in one sentence.', params: { max_tokens: 64 } },
    });
    const jobs = await Promise.all(
      TARGETS.map(async (target) => {
        const submitted = await api.submit({ ...spec, provider: target.provider, model: target.model });
        return { target, jobId: submitted.job_id };
      }),
    );
    for (const { target, jobId } of jobs) {
      const view = await api.wait(jobId, waitOptions());
      expect(view, target.provider).toMatchObject({
        status: 'completed',
        provider: target.provider,
        model: target.model,
      });
      expect(view.reconciliation).toMatchObject({ submitted: count, succeeded: count });
      expect(view.usage.input_tokens).toBeGreaterThan(0);
      expectReconciled(view.reconciliation);
    }
  });
});
