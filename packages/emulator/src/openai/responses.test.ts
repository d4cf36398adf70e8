import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countPromptTokens, countTokens, echoText } from '../core/model';
import type { EmulatorHandle } from '../server';
import { chatLine, openEmulator, readJsonl, uploadLines, waitFor } from '../test-support';
import type { BatchResultLine, ResponseBody } from './types';

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

/** A `/v1/responses` request line: the system prompt as instructions, one user message as input. */
function responsesLine(customId: string, content: string, body: Record<string, unknown> = {}): string {
  return JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: '/v1/responses',
    body: {
      model: 'gpt-4o-mini',
      instructions: 'You are terse.',
      input: [{ role: 'user', content }],
      ...body,
    },
  });
}

const PROMPT = (content: string) => [
  { role: 'system', text: 'You are terse.' },
  { role: 'user', text: content },
];

async function runResponses(lines: string[], extra: Record<string, unknown> = {}) {
  const file = await uploadLines(client, lines);
  const created = await client.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/responses',
    completion_window: '24h',
    ...extra,
  });
  return waitFor(client, created.id);
}

const bodyOf = (line: BatchResultLine | undefined) => line?.response?.body as ResponseBody | undefined;

describe('Responses API batches', () => {
  it('answers each line with a Response: the same deterministic answer as chat, its usage in input/output tokens', async () => {
    emu.setFaults({ cached_fraction: 0.5 });
    const batch = await runResponses([
      responsesLine('a', 'Question one?'),
      responsesLine('b', 'Question two?'),
    ]);
    expect(batch).toMatchObject({ status: 'completed', endpoint: '/v1/responses', model: 'gpt-4o-mini' });
    const lines = await readJsonl<BatchResultLine>(client, batch.output_file_id!);
    const a = lines.find((line) => line.custom_id === 'a');
    const text = echoText(PROMPT('Question one?'));
    const promptTokens = countPromptTokens(PROMPT('Question one?'));
    expect(a?.response?.status_code).toBe(200);
    expect(bodyOf(a)).toEqual({
      id: expect.stringMatching(/^resp_[0-9a-f]{48}$/),
      object: 'response',
      created_at: expect.any(Number),
      status: 'completed',
      completed_at: expect.any(Number),
      error: null,
      incomplete_details: null,
      model: 'gpt-4o-mini',
      output: [
        {
          type: 'message',
          id: expect.stringMatching(/^msg_/),
          status: 'completed',
          role: 'assistant',
          content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
        },
      ],
      usage: {
        input_tokens: promptTokens,
        input_tokens_details: { cached_tokens: Math.floor(promptTokens * 0.5), cache_write_tokens: 0 },
        output_tokens: countTokens(text),
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: promptTokens + countTokens(text),
      },
    });

    // The same prompt through chat completions gets the same answer.
    const chat = await uploadLines(client, [chatLine('c', 'Question one?')]);
    const chatBatch = await client.batches.create({
      input_file_id: chat.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    const [chatResult] = await readJsonl<BatchResultLine>(
      client,
      (await waitFor(client, chatBatch.id)).output_file_id!,
    );
    expect(JSON.stringify(chatResult?.response?.body)).toContain(JSON.stringify(text));
  });

  it('follows text.format json_schema, cuts at max_output_tokens (incomplete), and counts reasoning in output', async () => {
    const schema = {
      type: 'object',
      properties: { answer: { type: 'string' } },
      required: ['answer'],
      additionalProperties: false,
    };
    const batch = await runResponses([
      responsesLine('json', 'Q', {
        model: 'gpt-5-mini',
        text: { format: { type: 'json_schema', name: 'a', schema, strict: true } },
      }),
      responsesLine('cut', 'A long question about everything under the sun', {
        model: 'gpt-5-mini',
        max_output_tokens: 2,
      }),
    ]);
    const lines = await readJsonl<BatchResultLine>(client, batch.output_file_id!);
    const json = bodyOf(lines.find((line) => line.custom_id === 'json'));
    const answer = '{"answer":"string"}';
    expect(json?.output[0]).toEqual({ type: 'reasoning', id: expect.stringMatching(/^rs_/), summary: [] });
    expect(json?.output[1]).toMatchObject({ content: [{ type: 'output_text', text: answer }] });
    expect(json?.usage).toMatchObject({
      output_tokens: 2 * countTokens(answer),
      output_tokens_details: { reasoning_tokens: countTokens(answer) },
    });
    const cut = bodyOf(lines.find((line) => line.custom_id === 'cut'));
    expect(cut).toMatchObject({
      status: 'incomplete',
      completed_at: null,
      incomplete_details: { reason: 'max_output_tokens' },
      // The cap leaves nothing to think with: no reasoning item, and the whole output within the cap.
      output: [{ type: 'message', status: 'incomplete' }],
      usage: { output_tokens: 2, output_tokens_details: { reasoning_tokens: 0 } },
    });
    expect(cut?.output).toHaveLength(1);
  });

  it('fails a line that sends a Chat Completions parameter, alone, as the API refuses an unknown parameter', async () => {
    const batch = await runResponses([
      responsesLine('ok', 'Fine?'),
      responsesLine('stop', 'Q', { stop: ['END'] }),
      responsesLine('format', 'Q', { response_format: { type: 'json_object' } }),
      responsesLine('tokens', 'Q', { max_completion_tokens: 5 }),
      responsesLine('empty', 'Q', { input: [] }),
    ]);
    expect(batch.request_counts).toEqual({ total: 5, completed: 1, failed: 4 });
    const errors = await readJsonl<BatchResultLine>(client, batch.error_file_id!);
    const byId = new Map(errors.map((line) => [line.custom_id, line.response]));
    expect(byId.get('stop')).toMatchObject({
      status_code: 400,
      body: { error: { param: 'stop', code: 'unsupported_parameter', type: 'invalid_request_error' } },
    });
    expect(byId.get('format')).toMatchObject({
      body: { error: { param: 'response_format', message: expect.stringContaining("'text.format'") } },
    });
    expect(byId.get('tokens')).toMatchObject({ body: { error: { param: 'max_completion_tokens' } } });
    expect(byId.get('empty')).toMatchObject({ status_code: 400, body: { error: { param: 'input' } } });
  });

  it('refuses a chat completions line in a Responses batch at validation (url must match)', async () => {
    const batch = await runResponses([chatLine('c', 'Q')]);
    expect(batch.status).toBe('failed');
    expect(batch.errors?.data?.[0]).toMatchObject({ code: 'mismatched_endpoint', line: 1 });
  });

  it('runs Responses batches on OpenAI only: a provider copying its wire refuses the endpoint', async () => {
    const groq = new OpenAI({ apiKey: 'gsk-test', baseURL: `${emu.url}/groq/openai/v1`, maxRetries: 0 });
    const file = await uploadLines(groq, [responsesLine('a', 'Q')]);
    await expect(
      groq.batches.create({ input_file_id: file.id, endpoint: '/v1/responses', completion_window: '24h' }),
    ).rejects.toMatchObject({ status: 400, param: 'endpoint' });
  });
});

describe('output_expires_after', () => {
  it('sets when the output and error files expire, after their own creation', async () => {
    emu.setFaults({ request_errors: { provider: 'openai', rate: 0.5, status: 500 } });
    const seconds = 2 * 24 * 3600;
    const lines = Array.from({ length: 6 }, (_, i) => responsesLine(`r-${i}`, `Question ${i}?`));
    const batch = await runResponses(lines, { output_expires_after: { anchor: 'created_at', seconds } });
    for (const id of [batch.output_file_id, batch.error_file_id]) {
      const file = await client.files.retrieve(id!);
      expect(file.expires_at).toBe(file.created_at + seconds);
    }
  });

  it('refuses an anchor other than created_at and seconds outside an hour to 30 days', async () => {
    const file = await uploadLines(client, [responsesLine('a', 'Q')]);
    const create = (output_expires_after: unknown) =>
      client.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/responses',
        completion_window: '24h',
        output_expires_after: output_expires_after as { anchor: 'created_at'; seconds: number },
      });
    for (const [value, param] of [
      [{ anchor: 'created_at', seconds: 3599 }, 'output_expires_after.seconds'],
      [{ anchor: 'created_at', seconds: 2_592_001 }, 'output_expires_after.seconds'],
      [{ anchor: 'completed_at', seconds: 3600 }, 'output_expires_after.anchor'],
    ] as const) {
      await expect(create(value)).rejects.toMatchObject({ status: 400, param });
    }
    await expect(create({ anchor: 'created_at', seconds: 3600 })).resolves.toMatchObject({
      status: 'validating',
    });
  });
});
