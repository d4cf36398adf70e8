import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../server';
import { chatLines, openEmulator, readJsonl, uploadLines, waitFor } from '../test-support';
import { abbreviated } from './queue-limit';

let emu: EmulatorHandle;
let client: OpenAI;

beforeAll(async () => {
  ({ emu } = await openEmulator());
  // As Azure's v1 how-to: the OpenAI client at `{endpoint}/openai/v1`, here with the key in `api-key`.
  client = new OpenAI({
    apiKey: 'k',
    baseURL: `${emu.url}/azure/openai/v1`,
    defaultHeaders: { 'api-key': 'k', Authorization: null },
    maxRetries: 0,
  });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.resetAll();
});

/** Uploads the lines and waits for the file to be processed, as the adapter does. */
async function processedFile(lines: string[]) {
  const file = await uploadLines(client, lines);
  for (;;) {
    const now = await client.files.retrieve(file.id);
    if (now.status === 'processed') return now;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('azure emulator', () => {
  it("answers a request without a key with Azure's 401, and every answer with an apim-request-id", async () => {
    const denied = await fetch(`${emu.url}/azure/openai/v1/files`);
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({
      error: {
        code: '401',
        message: expect.stringMatching(
          /^Access denied due to invalid subscription key or wrong API endpoint/,
        ),
      },
    });
    const bearer = await fetch(`${emu.url}/azure/openai/v1/files`, {
      headers: { authorization: 'Bearer t' },
    });
    expect(bearer.status).toBe(200);
    expect(bearer.headers.get('apim-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("keeps a new file pending for a while, and refuses a batch on it in Azure's words", async () => {
    const file = await uploadLines(client, chatLines(1));
    expect(file.status).toBe('pending');
    const refused = await client.batches
      .create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 400 });
    expect((refused as Error).message).toMatch(
      /is in 'pending' state\. Only files with status 'Processed' are accepted for batch inferencing/,
    );
    expect((await processedFile(chatLines(1))).status).toBe('processed');
  });

  it('runs a batch with no 24 h deadline and writes result lines as Azure does', async () => {
    const file = await processedFile(chatLines(2));
    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    expect(created.expires_at).toBeNull();
    const done = await waitFor(client, created.id);
    expect(done.status).toBe('completed');
    const [line] = await readJsonl(client, done.output_file_id!);
    expect(line).not.toHaveProperty('id');
    expect(line).toMatchObject({
      custom_id: expect.stringMatching(/^req-/),
      response: {
        status_code: 200,
        request_id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/),
        body: {
          choices: [{ content_filter_results: { hate: { filtered: false, severity: 'safe' } } }],
          prompt_filter_results: [{ prompt_index: 0 }],
        },
      },
      error: null,
    });
  });

  it("fails a batch over the deployment's enqueued-token quota, and with fail_fast refuses its create", async () => {
    emu.setFaults({ azure_enqueued_token_limit: { tokens: 3 } });
    const file = await processedFile(chatLines(2));
    const params = {
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    } as const;
    const failed = await waitFor(client, (await client.batches.create(params)).id);
    expect(failed.status).toBe('failed');
    expect(failed.errors?.data?.[0]).toMatchObject({
      code: 'token_limit_exceeded',
      message: expect.stringMatching(/surpassed the configured limit of 3 for the deployment '.+'\. Please/),
      line: null,
    });

    emu.setFaults({ azure_enqueued_token_limit: { tokens: 3, fail_fast: true } });
    const refused = await client.batches.create(params).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 400, code: 'token_limit_exceeded' });
  });

  it('leaves OpenAI untouched by the Azure quota fault', async () => {
    emu.setFaults({ azure_enqueued_token_limit: { tokens: 3, fail_fast: true } });
    const openai = new OpenAI({ apiKey: 'test', baseURL: emu.openaiBaseUrl, maxRetries: 0 });
    const file = await uploadLines(openai, chatLines(2));
    const batch = await openai.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    expect((await waitFor(openai, batch.id)).status).toBe('completed');
    expect(batch.expires_at).toBe(batch.created_at + 24 * 3600);
  });

  it('states limits abbreviated, as Azure does', () => {
    expect(abbreviated(30_000)).toBe('30K');
    expect(abbreviated(200_000_000)).toBe('200M');
    expect(abbreviated(1_500_000_000)).toBe('1.5B');
    expect(abbreviated(950)).toBe('950');
  });
});
