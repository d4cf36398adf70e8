import type OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countPromptTokens } from '../core/model';
import type { EmulatorHandle } from '../server';
import { chatLine, openEmulator, submit, waitFor } from '../test-support';

let emu: EmulatorHandle;
let client: OpenAI;

beforeAll(async () => {
  ({ emu, client } = await openEmulator());
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.resetAll();
});

/** Ten requests of the same size, under keys of their own. */
const tenLines = (prefix: string, model = 'gpt-4o-mini') =>
  Array.from({ length: 10 }, (_, i) => chatLine(`${prefix}-${i}`, `Question number ${i}?`, { model }));

const tokensOfTen =
  10 *
  countPromptTokens([
    { role: 'system', text: 'You are terse.' },
    { role: 'user', text: 'Question number 0?' },
  ]);
const create = (lines: string[]) => submit(client, lines);

describe("OpenAI's enqueued-token limit", () => {
  it('fails a batch that would take the model past it with token_limit_exceeded, and takes one once room is back', async () => {
    // Room for one batch of ten requests at a time; the first runs slowly enough to still be in flight.
    emu.setFaults({ openai_enqueued_token_limit: { tokens: tokensOfTen + 5 }, slow_factor: 8 });
    const first = await create(tenLines('a'));
    await waitFor(client, first.id, (b) => b.status === 'in_progress');

    const second = await create(tenLines('b'));
    const refused = await waitFor(client, second.id);

    expect(refused.status).toBe('failed');
    expect(refused.errors?.data).toEqual([
      {
        code: 'token_limit_exceeded',
        message:
          'Enqueued token limit reached for gpt-4o-mini in organization org-emulator. ' +
          `Limit: ${(tokensOfTen + 5).toLocaleString('en-US')} enqueued tokens. ` +
          'Please try again once some in_progress batches have been completed.',
        param: null,
        line: null,
      },
    ]);
    expect(refused.output_file_id).toBeNull();

    expect((await waitFor(client, first.id)).status).toBe('completed');
    const third = await create(tenLines('c'));
    expect((await waitFor(client, third.id)).status).toBe('completed');
  });

  it('counts each model on its own, and only the model it names', async () => {
    emu.setFaults({
      openai_enqueued_token_limit: { tokens: tokensOfTen + 5, model: 'gpt-4o-mini' },
      slow_factor: 8,
    });
    const first = await create(tenLines('a'));
    await waitFor(client, first.id, (b) => b.status === 'in_progress');

    const otherModel = await create(tenLines('b', 'gpt-4o'));

    expect((await waitFor(client, otherModel.id)).status).toBe('completed');
    expect((await waitFor(client, first.id)).status).toBe('completed');
  });
});
