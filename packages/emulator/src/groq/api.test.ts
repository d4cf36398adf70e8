import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../server';
import { chatLine, chatLines, openEmulator, readJsonl, uploadLines, waitFor } from '../test-support';
import { GROQ_BATCH_PAGE } from './batch-list';

let emu: EmulatorHandle;
let client: OpenAI;
let root: string;

beforeAll(async () => {
  ({ emu } = await openEmulator());
  root = `${emu.url}/groq/openai/v1`;
  // As Groq's OpenAI compatibility page: the OpenAI client with Groq's base URL and key.
  client = new OpenAI({ apiKey: 'gsk-test', baseURL: root, maxRetries: 0 });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.resetAll();
});

const auth = { authorization: 'Bearer gsk-test' };
const get = async (path: string) => {
  const response = await fetch(`${root}${path}`, { headers: auth });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
/** Creates a batch on a new file and answers the create call's status and body. */
async function create(completionWindow: string) {
  const file = await uploadLines(client, chatLines(1));
  const response = await fetch(`${root}/batches`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: completionWindow,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('groq emulator', () => {
  it('is served at /groq/openai/v1 behind Bearer auth, and names GROQ_BASE_URL for it', async () => {
    expect(emu.clientEnv.GROQ_BASE_URL).toBe(root);
    expect((await fetch(`${root}/batches`)).status).toBe(401);
    expect((await get('/batches')).status).toBe(200);
  });

  it('shows files without status or expiry, lists them all at once, oldest first, and has no Uploads API', async () => {
    const first = await uploadLines(client, chatLines(1), 'first.jsonl');
    const second = await uploadLines(client, chatLines(2), 'second.jsonl');
    expect(Object.keys(first).sort()).toEqual(['bytes', 'created_at', 'filename', 'id', 'object', 'purpose']);
    expect((await get(`/files/${second.id}`)).body).toEqual({
      id: second.id,
      object: 'file',
      bytes: second.bytes,
      created_at: second.created_at,
      filename: 'second.jsonl',
      purpose: 'batch',
    });
    // No paging fields, and the query OpenAI's list takes is not read.
    expect((await get('/files?order=desc&limit=1')).body).toEqual({
      object: 'list',
      data: [first, second].map(({ id }) => expect.objectContaining({ id })),
    });
    const uploads = await fetch(`${root}/uploads`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        bytes: 10,
        filename: 'x.jsonl',
        mime_type: 'application/jsonl',
        purpose: 'batch',
      }),
    });
    expect(uploads.status).toBe(404);
  });

  it('takes completion windows from 24h to 7d, with expires_at at the end of the window', async () => {
    for (const [window, hours] of [
      ['24h', 24],
      ['48h', 48],
      ['3d', 72],
      ['7d', 168],
    ] as const) {
      const { status, body } = await create(window);
      expect(status, window).toBe(200);
      expect(body.completion_window).toBe(window);
      expect((body.expires_at as number) - (body.created_at as number)).toBe(hours * 3600);
    }
    for (const window of ['12h', '8d', '169h', '1w', '']) {
      const { status, body } = await create(window);
      expect(status, window).toBe(400);
      expect(body).toMatchObject({
        error: {
          param: 'completion_window',
          code: 'invalid_value',
          message: expect.stringMatching(/'24h' to '7d'/),
        },
      });
    }
  });

  it('pages the batch list with cursor and paging.next_cursor, and answers batches by id', async () => {
    const file = await uploadLines(client, chatLines(1));
    const made: string[] = [];
    for (let i = 0; i < GROQ_BATCH_PAGE + 5; i++) {
      const batch = await client.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      });
      made.push(batch.id);
    }
    const first = await get('/batches?limit=100');
    expect(Object.keys(first.body).sort()).toEqual(['data', 'object', 'paging']);
    const firstIds = (first.body.data as Array<{ id: string }>).map((b) => b.id);
    expect(firstIds).toEqual(made.slice().reverse().slice(0, GROQ_BATCH_PAGE));
    const cursor = (first.body.paging as { next_cursor: string }).next_cursor;
    expect(cursor).toMatch(/^cursor_/);

    const second = await get(`/batches?cursor=${cursor}`);
    expect((second.body.data as Array<{ id: string }>).map((b) => b.id)).toEqual(made.slice(0, 5).reverse());
    expect(second.body.paging).toEqual({});
    expect((await get('/batches?cursor=cursor_!')).status).toBe(400);

    const some = await get(`/batches?id=${made[0]}&id=${made[3]}&id=batch_unknown`);
    expect((some.body.data as Array<{ id: string }>).map((b) => b.id)).toEqual([made[3], made[0]]);
    const tooMany = Array.from({ length: 201 }, (_, i) => `id=b${i}`).join('&');
    expect((await get(`/batches?${tooMany}`)).status).toBe(400);
  });

  it('runs a batch with result lines as the guide shows them, and lists a failed one’s errors as an array', async () => {
    const done = await waitFor(
      client,
      (
        await client.batches.create({
          input_file_id: (await uploadLines(client, chatLines(2))).id,
          endpoint: '/v1/chat/completions',
          completion_window: '24h',
        })
      ).id,
    );
    expect(done).toMatchObject({
      status: 'completed',
      request_counts: { total: 2, completed: 2, failed: 0 },
    });
    const [line] = await readJsonl(client, done.output_file_id!);
    expect(line).toMatchObject({
      id: expect.stringMatching(/^batch_req_/),
      custom_id: expect.stringMatching(/^req-/),
      response: { status_code: 200, request_id: expect.stringMatching(/^req_/) },
      error: null,
    });

    const failed = await waitFor(
      client,
      (
        await client.batches.create({
          input_file_id: (await uploadLines(client, [chatLine('a', 'x'), chatLine('a', 'y')])).id,
          endpoint: '/v1/chat/completions',
          completion_window: '24h',
        })
      ).id,
    );
    expect(failed.status).toBe('failed');
    expect(failed.errors).toEqual([
      { code: 'duplicate_custom_id', message: "Line 2: custom_id 'a' is not unique.", param: null, line: 2 },
    ]);
  });

  it('refuses a file of more than 50,000 lines', async () => {
    const lines = Array.from({ length: 50_001 }, (_, i) => chatLine(`r${i}`, `hi ${i}`));
    const file = await uploadLines(client, lines);
    const batch = await waitFor(
      client,
      (
        await client.batches.create({
          input_file_id: file.id,
          endpoint: '/v1/chat/completions',
          completion_window: '24h',
        })
      ).id,
    );
    expect(batch.status).toBe('failed');
    expect(batch.errors).toEqual([
      expect.objectContaining({ message: 'The input file has more than 50000 requests.' }),
    ]);
  });
});
