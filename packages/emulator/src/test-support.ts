import OpenAI, { toFile } from 'openai';
import type { Batch } from 'openai/resources/batches';
import { type EmulatorHandle, type EmulatorOptions, startEmulator } from './server';

export interface ChatLineOptions {
  model?: string;
  url?: string;
  body?: Record<string, unknown>;
}

export function chatLine(customId: string, content: string, options: ChatLineOptions = {}): string {
  return JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: options.url ?? '/v1/chat/completions',
    body: {
      model: options.model ?? 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content },
      ],
      ...options.body,
    },
  });
}

export function chatLines(count: number, prefix = 'req'): string[] {
  return Array.from({ length: count }, (_, i) => chatLine(`${prefix}-${i}`, `Question number ${i}?`));
}

export async function openEmulator(
  options: EmulatorOptions = {},
): Promise<{ emu: EmulatorHandle; client: OpenAI }> {
  const emu = await startEmulator({ stepMs: 25, seed: 7, ...options });
  const client = new OpenAI({ apiKey: 'test', baseURL: emu.openaiBaseUrl, maxRetries: 2 });
  return { emu, client };
}

export async function uploadLines(client: OpenAI, lines: string[], name = 'input.jsonl') {
  const file = await toFile(Buffer.from(`${lines.join('\n')}\n`), name, { type: 'application/jsonl' });
  return client.files.create({ file, purpose: 'batch' });
}

export async function submit(
  client: OpenAI,
  lines: string[],
  endpoint: '/v1/chat/completions' | '/v1/embeddings' = '/v1/chat/completions',
): Promise<Batch> {
  const file = await uploadLines(client, lines);
  return client.batches.create({ input_file_id: file.id, endpoint, completion_window: '24h' });
}

const TERMINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);

export async function waitFor(
  client: OpenAI,
  batchId: string,
  done: (batch: Batch) => boolean = (batch) => TERMINAL.has(batch.status),
  timeoutMs = 10_000,
): Promise<Batch> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const batch = await client.batches.retrieve(batchId);
    if (done(batch)) return batch;
    if (Date.now() > deadline) throw new Error(`batch ${batchId} stuck in ${batch.status}`);
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

export async function readJsonl<T = Record<string, unknown>>(client: OpenAI, fileId: string): Promise<T[]> {
  const response = await client.files.content(fileId);
  const text = await response.text();
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as T);
}
