import { openAsBlob } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyRows } from '@tranche/db';
import OpenAI, { toFile } from 'openai';
import type { Stack } from '../test/support/stack';

/**
 * The least any service must spend on these inputs: COPY them into Postgres once, and upload and download their
 * JSONL once to the emulator.
 */
export async function measureFloor(stack: Stack, inputs: Array<{ id: string; prompt: string }>) {
  const copyStarted = performance.now();
  await stack.sql`create table if not exists floor_inputs (id text, request jsonb)`;
  await copyRows(
    stack.sql,
    'floor_inputs',
    ['id', 'request'],
    inputs.map((input) => [
      input.id,
      JSON.stringify({ messages: [{ role: 'user', content: input.prompt }] }),
    ]),
  );
  const copyS = (performance.now() - copyStarted) / 1000;

  const dir = await mkdtemp(join(tmpdir(), 'tranche-floor-'));
  const path = join(dir, 'floor.jsonl');
  await writeFile(
    path,
    inputs
      .map((input) =>
        JSON.stringify({
          custom_id: input.id,
          method: 'POST',
          url: '/v1/chat/completions',
          body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: input.prompt }] },
        }),
      )
      .join('\n'),
  );
  const client = new OpenAI({ apiKey: 'bench', baseURL: stack.emulator.openaiBaseUrl });
  const transferStarted = performance.now();
  const file = await client.files.create({
    file: await toFile(await openAsBlob(path), 'floor.jsonl'),
    purpose: 'batch',
  });
  const content = await client.files.content(file.id);
  for await (const _chunk of content.body ?? []) {
    // drain
  }
  const transferS = (performance.now() - transferStarted) / 1000;
  await rm(dir, { recursive: true, force: true });
  return { copyS, transferS, totalS: copyS + transferS };
}
