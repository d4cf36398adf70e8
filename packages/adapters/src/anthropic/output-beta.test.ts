import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchContext, UnifiedRequest } from '../types';
import { anthropicEncoder } from './encoder';
import { largestMaxTokens } from './largest-max-tokens';
import {
  CLAUDE_OUTPUT_LIMITS,
  claudeMaxTokens,
  OUTPUT_300K_BETA,
  outputBetaFor,
  UNLISTED_MODEL_LIMIT,
} from './output-limits';
import { AnthropicTransport } from './transport';

const request = (max?: number): UnifiedRequest => ({
  system: 'Be "thorough"',
  messages: [{ role: 'user', content: 'line one\nline two' }],
  ...(max === undefined ? {} : { params: { max_tokens: max } }),
});

describe('Claude output limits', () => {
  it('allows 300K on the models the beta covers, the synchronous limit on the others', () => {
    expect(claudeMaxTokens('claude-opus-4-6')).toMatchObject({ tokens: 300_000 });
    expect(claudeMaxTokens('claude-sonnet-5')).toMatchObject({ tokens: 300_000 });
    expect(claudeMaxTokens('claude-fable-5-1')).toMatchObject({ tokens: 128_000 });
    expect(claudeMaxTokens('claude-haiku-4-5').tokens).toBe(64_000);
    expect(claudeMaxTokens('claude-haiku-4-5').reason).toContain(
      `the ${OUTPUT_300K_BETA} beta does not apply`,
    );
    // A dated id is its alias.
    expect(claudeMaxTokens('claude-sonnet-4-5-20250929').tokens).toBe(64_000);
    expect(claudeMaxTokens('claude-opus-9')).toMatchObject({ tokens: UNLISTED_MODEL_LIMIT });
    expect(claudeMaxTokens('claude-opus-9').reason).toContain('not in Tranche');
  });

  it('asks for the beta only above the synchronous limit, and only where it applies', () => {
    expect(outputBetaFor('claude-opus-4-6', 128_000)).toBeNull();
    expect(outputBetaFor('claude-opus-4-6', 128_001)).toBe(OUTPUT_300K_BETA);
    expect(outputBetaFor('claude-opus-4-6-20260101', 200_000)).toBe(OUTPUT_300K_BETA);
    expect(outputBetaFor('claude-haiku-4-5', 200_000)).toBeNull();
    expect(outputBetaFor('claude-opus-9', 200_000)).toBeNull();
  });

  it('lists no model above the beta', () => {
    for (const limit of Object.values(CLAUDE_OUTPUT_LIMITS)) {
      expect(limit.synchronous).toBeLessThanOrEqual(UNLISTED_MODEL_LIMIT);
    }
  });
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'anthropic-beta-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function requestFile(name: string, lines: string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

const context = (model: string): BatchContext => ({ jobId: 'job-1', model, kind: 'chat' });

describe('largestMaxTokens', () => {
  it('reads max_tokens from encoded lines, and from lines in another key order', async () => {
    const encoded = [request(10), request(200_000), request()].map((r, i) =>
      anthropicEncoder.encodeLine(`c-${i}`, r, context('claude-opus-4-6')),
    );
    expect(await largestMaxTokens(await requestFile('encoded.jsonl', encoded))).toBe(200_000);
    const reordered = JSON.stringify({
      params: { messages: [], max_tokens: 150_000, model: 'm' },
      custom_id: 'x',
    });
    expect(await largestMaxTokens(await requestFile('reordered.jsonl', [encoded[0]!, reordered]))).toBe(
      150_000,
    );
  });
});

describe('the create call of AnthropicTransport', () => {
  let server: Server;
  let seen: IncomingHttpHeaders[];
  let url: string;

  beforeAll(async () => {
    seen = [];
    server = createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ id: `msgbatch_${seen.length}`, type: 'message_batch' }));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  async function submit(model: string, maxTokens: number[]): Promise<IncomingHttpHeaders> {
    const transport = new AnthropicTransport({ apiKey: 'test', baseURL: url, maxRetries: 0 });
    const lines = maxTokens.map((max, i) =>
      anthropicEncoder.encodeLine(`c-${i}`, request(max), context(model)),
    );
    const filePath = await requestFile(`${model}-${maxTokens.join('-')}.jsonl`, lines);
    await transport.submit({
      context: context(model),
      chunkKey: 'job-1_r0_c0',
      filePath,
      requestCount: lines.length,
      bytes: 0,
    });
    return seen.at(-1)!;
  }

  it('carries the 300K output beta when a request of an eligible model needs it', async () => {
    expect((await submit('claude-opus-4-6', [100, 200_000]))['anthropic-beta']).toBe(OUTPUT_300K_BETA);
  });

  it('carries no beta when every request fits the synchronous limit, or the model is not eligible', async () => {
    expect((await submit('claude-opus-4-6', [100, 128_000]))['anthropic-beta']).toBeUndefined();
    expect((await submit('claude-haiku-4-5', [200_000]))['anthropic-beta']).toBeUndefined();
    expect((await submit('claude-opus-9', [200_000]))['anthropic-beta']).toBeUndefined();
  });
});
