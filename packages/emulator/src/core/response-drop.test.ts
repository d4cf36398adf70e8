import OpenAI, { APIConnectionError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../server';
import { chatLines, openEmulator, readJsonl, submit, uploadLines, waitFor } from '../test-support';

let emu: EmulatorHandle;
let client: OpenAI;
/** A client that does not try again, to see what one call does. */
let once: OpenAI;

beforeAll(async () => {
  ({ emu, client } = await openEmulator());
  once = new OpenAI({ apiKey: 'test', baseURL: emu.openaiBaseUrl, maxRetries: 0 });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.resetAll();
});

describe('the drop_response fault', () => {
  it('creates the batch, then closes the connection instead of answering, for `times` calls', async () => {
    const file = await uploadLines(client, chatLines(3));
    emu.setFaults({ drop_response: [{ provider: 'openai', method: 'POST', path: '^/batches$', times: 1 }] });
    const params = {
      input_file_id: file.id,
      endpoint: '/v1/chat/completions' as const,
      completion_window: '24h' as const,
    };

    const lost = await once.batches.create(params).catch((error: unknown) => error);

    expect(lost).toBeInstanceOf(APIConnectionError);
    // The call did its work: the batch exists and runs, though its creator never heard of it.
    const [created] = (await client.batches.list()).data;
    // (Its counts depend on how far it got by now: one emulator step, however busy the machine.)
    expect(created).toMatchObject({ input_file_id: file.id });
    expect((await waitFor(client, created!.id)).status).toBe('completed');
    expect(emu.stats().openai).toMatchObject({ batches: 1, requests: 3 });
    // Used up: the next call is answered.
    const answered = await once.batches.create(params);
    expect(answered.id).not.toBe(created!.id);
    expect((await client.batches.list()).data).toHaveLength(2);
  });

  it('cuts a streamed answer at its first byte, and leaves other calls alone', async () => {
    const batch = await waitFor(client, (await submit(client, chatLines(2))).id);
    emu.setFaults({ drop_response: [{ provider: 'openai', method: 'GET', path: '^/files/[^/]+/content$' }] });

    const cut = await once.files
      .content(batch.output_file_id!)
      .then((response) => response.text())
      .catch((error: unknown) => error);

    expect(cut).toBeInstanceOf(Error);
    expect((await once.batches.retrieve(batch.id)).status).toBe('completed');
    // Without `times`, every matching call is cut until the fault is cleared.
    await expect(readJsonl(once, batch.output_file_id!)).rejects.toBeInstanceOf(Error);
    emu.setFaults({});
    expect(await readJsonl(once, batch.output_file_id!)).toHaveLength(2);
  });
});
