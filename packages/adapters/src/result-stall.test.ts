import {
  createAnthropicProvider,
  createGoogleProviders,
  createMistralProvider,
  createOpenAIProvider,
} from '@tranche/emulator';
import { describe, expect, it } from 'vitest';
import { anthropicDescriptor } from './anthropic/descriptor';
import { createAdapter } from './compose-adapter';
import { ProviderCallError } from './errors';
import { mistralDescriptor } from './mistral/descriptor';
import { openAIDescriptor } from './openai/descriptor';
import { type AdapterTestbed, adapterTestbed, numbered } from './test-support/testbed';
import type { BatchAdapter, BatchContext } from './types';
import { vertexDescriptor } from './vertex/descriptor';

/**
 * A result download whose body stops coming (the emulator's `stall_body` fault: headers and the first bytes, then
 * silence, the connection held open) is abandoned after the adapter's idle timeout with a retryable error, and the
 * next attempt reads every line. Short timeouts keep the file fast; nothing here measures time.
 */
const IDLE_MS = 200;
const INPUTS = numbered(12);

async function expectStalledThenWhole(testbed: AdapterTestbed<BatchAdapter>, path: string) {
  const { ref, results } = await testbed.run(INPUTS);
  expect(results).toHaveLength(INPUTS.length);
  testbed.emu.setFaults({ stall_body: [{ method: 'GET', path, after_bytes: 100, times: 1 }] });

  const stalled = testbed.collect(ref);
  await expect(stalled).rejects.toBeInstanceOf(ProviderCallError);
  await expect(stalled).rejects.toMatchObject({ retryable: true, code: 'stream_idle' });
  expect((await testbed.faultsLeft()).stall_body).toEqual([]);

  const again = await testbed.collect(ref);
  expect(again.map((r) => r.customId).sort()).toEqual(results.map((r) => r.customId).sort());
}

describe('a stalled result download', () => {
  describe('openai', () => {
    const testbed = adapterTestbed({
      emulator: { port: 0, stepMs: 20, seed: 1, providers: [createOpenAIProvider] },
      adapter: (emu) =>
        createAdapter(
          openAIDescriptor,
          { apiKey: 'test', baseURL: emu.openaiBaseUrl },
          { resultIdleTimeoutMs: IDLE_MS },
        ),
      context: { jobId: 'job-stall', model: 'gpt-4o-mini', kind: 'chat' } satisfies BatchContext,
    });
    it('is abandoned with a retryable error, and the next attempt reads it all', () =>
      expectStalledThenWhole(testbed, '^/v1/files/[^/]+/content$'));
  });

  describe('anthropic', () => {
    const testbed = adapterTestbed({
      emulator: { port: 0, stepMs: 20, seed: 2, providers: [createAnthropicProvider] },
      adapter: (emu) =>
        createAdapter(
          anthropicDescriptor,
          { apiKey: 'test', baseURL: `${emu.url}/anthropic` },
          { resultIdleTimeoutMs: IDLE_MS },
        ),
      context: { jobId: 'job-stall', model: 'claude-sonnet-4-6', kind: 'chat' } satisfies BatchContext,
    });
    it('is abandoned with a retryable error, and the next attempt reads it all', () =>
      expectStalledThenWhole(testbed, '^/v1/messages/batches/[^/]+/results$'));
  });

  describe('mistral', () => {
    const testbed = adapterTestbed({
      emulator: { port: 0, stepMs: 20, seed: 3, providers: [createMistralProvider] },
      adapter: (emu) =>
        createAdapter(
          mistralDescriptor,
          {
            apiKey: 'test',
            serverURL: `${emu.url}/mistral`,
            // Files only: an inline job's results come in the job itself, not in a download that can stall.
            inline: { maxRequests: 0, maxBytes: 0 },
            retry: { initialIntervalMs: 5, maxIntervalMs: 50, exponent: 1.5, maxElapsedMs: 5_000 },
          },
          { resultIdleTimeoutMs: IDLE_MS },
        ),
      context: { jobId: 'job-stall', model: 'mistral-small-latest', kind: 'chat' } satisfies BatchContext,
    });
    it('is abandoned with a retryable error, and the next attempt reads it all', () =>
      expectStalledThenWhole(testbed, '^/v1/files/[^/]+/content$'));
  });

  describe('vertex', () => {
    const testbed = adapterTestbed({
      emulator: { port: 0, stepMs: 20, seed: 4, providers: [createGoogleProviders] },
      adapter: (emu) =>
        createAdapter(
          vertexDescriptor,
          {
            project: 'test-proj',
            location: 'us-central1',
            bucket: 'tranche-test',
            baseUrl: `${emu.url}/vertex`,
            gcsApiEndpoint: `${emu.url}/gcs`,
            accessToken: 'test-token',
            retries: { attempts: 3, initialDelayMs: 5, maxDelayMs: 20 },
          },
          { resultIdleTimeoutMs: IDLE_MS },
        ),
      context: { jobId: 'job-stall', model: 'gemini-2.5-flash', kind: 'chat' } satisfies BatchContext,
    });
    // The storage SDK does not retry a download: the adapter opens the object again itself, within the same fetch.
    it('is abandoned and opened again within the fetch, which reads it all', async () => {
      const { ref, results } = await testbed.run(INPUTS);
      testbed.emu.setFaults({
        stall_body: [
          {
            provider: 'gcs',
            method: 'GET',
            path: '^/(download/)?storage/v1/b/[^/]+/o/[^/]+$',
            after_bytes: 100,
            times: 1,
          },
        ],
      });
      const again = await testbed.collect(ref);
      expect((await testbed.faultsLeft()).stall_body).toEqual([]);
      expect(again.map((r) => r.customId).sort()).toEqual(results.map((r) => r.customId).sort());
    });
  });
});
