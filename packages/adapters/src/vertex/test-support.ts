import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGoogleProviders, type EmulatorHandle, startEmulator } from '@tranche/emulator';
import type {
  BatchAdapter,
  BatchContext,
  BatchRef,
  NormalizedResult,
  PollResult,
  UnifiedRequest,
} from '../types';
import { VertexAdapter, type VertexAdapterOptions } from './adapter';

export const BUCKET = 'tranche-test';

export async function openVertex(overrides: Partial<VertexAdapterOptions> = {}) {
  const emu = await startEmulator({ stepMs: 40, seed: 11, providers: [createGoogleProviders] });
  const adapter = new VertexAdapter({
    project: 'test-proj',
    location: 'us-central1',
    bucket: BUCKET,
    baseUrl: `${emu.url}/vertex`,
    gcsApiEndpoint: `${emu.url}/gcs`,
    accessToken: 'test-token',
    retries: { attempts: 4, initialDelayMs: 5, maxDelayMs: 20 },
    uploadChunkBytes: 256 * 1024,
    ...overrides,
  });
  const dir = await mkdtemp(join(tmpdir(), 'vertex-adapter-'));
  return {
    emu,
    adapter,
    dir,
    async close() {
      await emu.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function setVertexOptions(emu: EmulatorHandle, options: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${emu.url}/vertex/_emulator/options`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(options),
  });
  if (!response.ok) throw new Error(`options: ${response.status}`);
}

let fileSeq = 0;

/** Encodes the requests like the worker does and submits them as one chunk. */
export async function submitRequests(
  adapter: BatchAdapter,
  dir: string,
  context: BatchContext,
  requests: Array<[string, UnifiedRequest]>,
  chunkKey = `${context.jobId}_r0_c${fileSeq}`,
) {
  const path = join(dir, `chunk-${fileSeq++}.jsonl`);
  const text = requests.map(([id, request]) => `${adapter.encodeLine(id, request, context)}\n`).join('');
  await writeFile(path, text);
  const bytes = Buffer.byteLength(text);
  const submitted = await adapter.submit({
    context,
    chunkKey,
    filePath: path,
    requestCount: requests.length,
    bytes,
  });
  return { ...submitted, chunkKey, bytes };
}

export async function pollUntilEnded(
  adapter: BatchAdapter,
  ref: BatchRef,
  seen: string[] = [],
  timeoutMs = 15_000,
): Promise<PollResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const poll = await adapter.poll(ref);
    if (seen.at(-1) !== poll.phase) seen.push(poll.phase);
    if (poll.phase === 'ended') return poll;
    if (Date.now() > deadline) throw new Error(`batch stuck in ${poll.providerStatus}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function collect(
  adapter: BatchAdapter,
  ref: BatchRef,
  context: BatchContext,
): Promise<NormalizedResult[]> {
  const results: NormalizedResult[] = [];
  for await (const result of adapter.fetchResults(ref, context)) results.push(result);
  return results;
}

export function chat(text: string, extra: Partial<UnifiedRequest> = {}): UnifiedRequest {
  return { system: 'Be terse.', messages: [{ role: 'user', content: text }], ...extra };
}
