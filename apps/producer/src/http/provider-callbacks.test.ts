import { randomBytes, randomUUID } from 'node:crypto';
import { insertPlannedBatch, recordSubmitted } from '@tranche/db';
import { jobIds } from '@tranche/queues';
import { standardHeaders } from '@tranche/webhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApi, type TestApi } from '../test-support/api-app';
import { PROVIDER_CALLBACK_MAX_BYTES } from './provider-callbacks-routes';

/**
 * Provider callbacks through the real API over a real Postgres and Redis: what a delivery is answered, what it
 * records, and whether it wakes the batch's poll (the queue job sleeping for an hour, as a long poll interval would
 * have it). `pollNow` is watched to count wakes.
 */
const ADMIN_KEY = 'admin-key-for-the-provider-callbacks';
const HOUR_MS = 3_600_000;
const secret = () => `whsec_${randomBytes(32).toString('base64')}`;
const OPENAI_OLD = secret();
const OPENAI = secret();
const GEMINI = secret();

let api: TestApi;
let pollNow: ReturnType<typeof vi.spyOn>;

beforeAll(async () => {
  api = await startTestApi({
    adminKeys: [ADMIN_KEY],
    // Two OpenAI secrets: the new one and the one being rotated out.
    deps: { providerCallbacks: { openai: [OPENAI, OPENAI_OLD], gemini: [GEMINI] } },
  });
  pollNow = vi.spyOn(api.queues, 'pollNow');
});

afterEach(() => {
  pollNow.mockClear();
});

afterAll(async () => {
  pollNow?.mockRestore();
  await api?.close();
});

/** A batch of a fresh job at the provider under `providerBatchId`, its poll asleep for an hour. */
async function batchAtProvider(provider: 'openai' | 'gemini', providerBatchId: string): Promise<string> {
  const submitted = await fetch(`${api.url}/v1/jobs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      provider,
      model: provider === 'openai' ? 'gpt-4o-mini' : 'gemini-2.5-flash',
      metadata: { project: 'callbacks', owner: 'tests' },
      inputs: [{ prompt: 'one' }, { prompt: 'two' }],
    }),
  });
  expect(submitted.status).toBe(202);
  const jobId = ((await submitted.json()) as { job_id: string }).job_id;
  const inputs = await api.sql<{ custom_id: string }[]>`select custom_id from inputs where job_id = ${jobId}`;
  const batchId = randomUUID();
  await insertPlannedBatch(api.sql, {
    id: batchId,
    jobId,
    provider,
    chunkKey: `chunk-${batchId}`,
    round: 1,
    customIds: inputs.map((input) => input.custom_id),
    bytes: 100,
  });
  expect(await recordSubmitted(api.sql, batchId, providerBatchId, null, 100)).toBe('recorded');
  await api.queues.enqueuePoll(batchId, HOUR_MS);
  expect(await pollState(batchId)).toBe('delayed');
  return batchId;
}

const pollState = (batchId: string) => api.queues.poll.getJobState(jobIds.poll(batchId));

async function callbackRows(provider: string, webhookId: string): Promise<number> {
  const [row] = await api.sql<{ n: number }[]>`
    select count(*)::int as n from provider_callbacks where provider = ${provider} and webhook_id = ${webhookId}`;
  return row?.n ?? 0;
}

interface Delivery {
  headers: Record<string, string>;
  body: string;
}

function delivery(
  event: unknown,
  options: { secret?: string; id?: string; at?: number; body?: string } = {},
): Delivery {
  const body = options.body ?? JSON.stringify(event);
  const headers = standardHeaders({
    id: options.id ?? `wh_${randomBytes(16).toString('hex')}`,
    body,
    secrets: [options.secret ?? OPENAI],
    now: new Date(options.at ?? Date.now()),
  });
  return { headers: { ...headers }, body };
}

const openAIEvent = (providerBatchId: string, type = 'batch.completed') => ({
  id: `evt_${randomBytes(8).toString('hex')}`,
  object: 'event',
  type,
  created_at: Math.floor(Date.now() / 1000),
  data: { id: providerBatchId },
});

async function post(
  provider: string,
  sent: Delivery,
  extraHeaders: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${api.url}/v1/provider-callbacks/${provider}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...sent.headers, ...extraHeaders },
    body: sent.body,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

describe('a verified OpenAI callback', () => {
  it("wakes the named batch's poll at once, with no API key at all", async () => {
    const providerBatchId = `batch_${randomBytes(8).toString('hex')}`;
    const batchId = await batchAtProvider('openai', providerBatchId);
    const sent = delivery(openAIEvent(providerBatchId));
    expect(await post('openai', sent)).toEqual({ status: 200, body: { received: true } });
    expect(pollNow).toHaveBeenCalledTimes(1);
    expect(pollNow).toHaveBeenCalledWith(batchId);
    expect(await pollState(batchId)).toBe('waiting');
    expect(await callbackRows('openai', sent.headers['webhook-id']!)).toBe(1);
  });

  it('changes nothing when replayed: the same webhook-id is answered 200 and acted on once', async () => {
    const providerBatchId = `batch_${randomBytes(8).toString('hex')}`;
    const batchId = await batchAtProvider('openai', providerBatchId);
    const sent = delivery(openAIEvent(providerBatchId));
    const first = await post('openai', sent);
    const [batchAfterFirst] = await api.sql`select * from provider_batches where id = ${batchId}`;
    const again = await post('openai', sent);
    expect(again).toEqual(first);
    expect(pollNow).toHaveBeenCalledTimes(1);
    expect(await callbackRows('openai', sent.headers['webhook-id']!)).toBe(1);
    // The replay read nothing into the batch: the poll, not the callback, records what the provider says.
    const [batchAfterReplay] = await api.sql`select * from provider_batches where id = ${batchId}`;
    expect(batchAfterReplay).toEqual(batchAfterFirst);
    expect(batchAfterReplay).toMatchObject({ state: 'submitted', provider_status: null, outcome: null });
  });

  it('is acted on once when the same delivery arrives twice at the same time', async () => {
    const providerBatchId = `batch_${randomBytes(8).toString('hex')}`;
    const batchId = await batchAtProvider('openai', providerBatchId);
    const sent = delivery(openAIEvent(providerBatchId));
    const answers = await Promise.all([post('openai', sent), post('openai', sent), post('openai', sent)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(pollNow).toHaveBeenCalledTimes(1);
    expect(pollNow).toHaveBeenCalledWith(batchId);
  });

  it('after its batch ended, a new delivery for it is answered 200 and wakes nothing', async () => {
    const providerBatchId = `batch_${randomBytes(8).toString('hex')}`;
    const batchId = await batchAtProvider('openai', providerBatchId);
    await api.sql`update provider_batches set state = 'ended', ended_at = now() where id = ${batchId}`;
    expect(await post('openai', delivery(openAIEvent(providerBatchId)))).toEqual({
      status: 200,
      body: { received: true },
    });
    expect(pollNow).not.toHaveBeenCalled();
  });

  it('naming a batch Tranche does not hold, or no batch, is answered exactly the same and wakes nothing', async () => {
    const known = `batch_${randomBytes(8).toString('hex')}`;
    await batchAtProvider('openai', known);
    const knownAnswer = await post('openai', delivery(openAIEvent(known)));
    pollNow.mockClear();
    const unknownSent = delivery(openAIEvent(`batch_${randomBytes(8).toString('hex')}`));
    expect(await post('openai', unknownSent)).toEqual(knownAnswer);
    const other = delivery({ ...openAIEvent('resp_1'), type: 'response.completed' });
    expect(await post('openai', other)).toEqual(knownAnswer);
    expect(pollNow).not.toHaveBeenCalled();
    // Still recorded, so the provider's retries of them are replays too.
    expect(await callbackRows('openai', unknownSent.headers['webhook-id']!)).toBe(1);
  });

  it('signed with the secret being rotated out is taken too', async () => {
    const providerBatchId = `batch_${randomBytes(8).toString('hex')}`;
    const batchId = await batchAtProvider('openai', providerBatchId);
    expect(
      (await post('openai', delivery(openAIEvent(providerBatchId), { secret: OPENAI_OLD }))).status,
    ).toBe(200);
    expect(pollNow).toHaveBeenCalledWith(batchId);
  });

  it('needs no API key, and a wrong one changes nothing', async () => {
    const providerBatchId = `batch_${randomBytes(8).toString('hex')}`;
    const batchId = await batchAtProvider('openai', providerBatchId);
    const sent = delivery(openAIEvent(providerBatchId));
    expect((await post('openai', sent, { authorization: 'Bearer trk_not_a_key' })).status).toBe(200);
    expect(pollNow).toHaveBeenCalledWith(batchId);
  });

  it('is acted on by the retry when waking the poll failed: nothing was recorded by the failed attempt', async () => {
    const providerBatchId = `batch_${randomBytes(8).toString('hex')}`;
    const batchId = await batchAtProvider('openai', providerBatchId);
    const sent = delivery(openAIEvent(providerBatchId));
    pollNow.mockRejectedValueOnce(new Error('redis away'));
    expect((await post('openai', sent)).status).toBe(500);
    expect(await callbackRows('openai', sent.headers['webhook-id']!)).toBe(0);
    expect(await pollState(batchId)).toBe('delayed');
    expect((await post('openai', sent)).status).toBe(200);
    expect(await pollState(batchId)).toBe('waiting');
    expect(await callbackRows('openai', sent.headers['webhook-id']!)).toBe(1);
  });

  it('is acted on again once its first delivery is older than the retention', async () => {
    const providerBatchId = `batch_${randomBytes(8).toString('hex')}`;
    const batchId = await batchAtProvider('openai', providerBatchId);
    const sent = delivery(openAIEvent(providerBatchId));
    await post('openai', sent);
    await api.sql`
      update provider_callbacks set received_at = now() - interval '8 days'
      where webhook_id = ${sent.headers['webhook-id']!}`;
    await api.queues.poll.remove(jobIds.poll(batchId));
    await api.queues.enqueuePoll(batchId, HOUR_MS);
    expect((await post('openai', sent)).status).toBe(200);
    expect(pollNow).toHaveBeenCalledTimes(2);
    expect(await pollState(batchId)).toBe('waiting');
  });
});

describe('a callback that fails verification changes nothing', () => {
  let batchId: string;
  let providerBatchId: string;

  beforeAll(async () => {
    providerBatchId = `batch_${randomBytes(8).toString('hex')}`;
    batchId = await batchAtProvider('openai', providerBatchId);
  });

  afterEach(async () => {
    expect(pollNow).not.toHaveBeenCalled();
    expect(await pollState(batchId)).toBe('delayed');
    const [row] = await api.sql<{ n: number }[]>`select count(*)::int as n from provider_callbacks
      where provider_batch_id = ${providerBatchId}`;
    expect(row?.n).toBe(0);
  });

  const refused = (status: number, type: string) => ({
    status,
    body: { error: { type, message: expect.any(String) } },
  });

  it('a body changed by one byte: 401 invalid_signature', async () => {
    const sent = delivery(openAIEvent(providerBatchId));
    const tampered = { ...sent, body: sent.body.replace('batch.completed', 'batch.completeD') };
    expect(await post('openai', tampered)).toEqual(refused(401, 'invalid_signature'));
  });

  it('signed with another secret (the Gemini one, or none of ours): 401', async () => {
    expect(await post('openai', delivery(openAIEvent(providerBatchId), { secret: GEMINI }))).toEqual(
      refused(401, 'invalid_signature'),
    );
    expect(await post('openai', delivery(openAIEvent(providerBatchId), { secret: secret() }))).toEqual(
      refused(401, 'invalid_signature'),
    );
  });

  it('a header missing: 400 invalid_callback naming it', async () => {
    for (const header of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const sent = delivery(openAIEvent(providerBatchId));
      delete sent.headers[header];
      const answer = await post('openai', sent);
      expect(answer).toEqual(refused(400, 'invalid_callback'));
      expect(JSON.stringify(answer.body)).toContain(header);
    }
  });

  it('a timestamp 301 s old or 301 s ahead, correctly signed: 400 invalid_callback', async () => {
    for (const offset of [-301_000, 301_000]) {
      const sent = delivery(openAIEvent(providerBatchId), { at: Date.now() + offset });
      expect(await post('openai', sent)).toEqual(refused(400, 'invalid_callback'));
    }
  });

  it('an admin key does not stand in for a signature: refused all the same', async () => {
    const { body } = delivery(openAIEvent(providerBatchId));
    expect(await post('openai', { headers: {}, body }, { authorization: `Bearer ${ADMIN_KEY}` })).toEqual(
      refused(400, 'invalid_callback'),
    );
    const sent = delivery(openAIEvent(providerBatchId));
    sent.headers['webhook-signature'] = 'v1,AAAA';
    expect(await post('openai', sent, { authorization: `Bearer ${ADMIN_KEY}` })).toEqual(
      refused(401, 'invalid_signature'),
    );
  });

  it('a body over the limit: 413, refused while it streams in', async () => {
    const body = JSON.stringify({
      ...openAIEvent(providerBatchId),
      pad: 'x'.repeat(PROVIDER_CALLBACK_MAX_BYTES),
    });
    expect(await post('openai', delivery(null, { body }))).toEqual(refused(413, 'too_large'));
  });

  it('a correctly signed body that is not a JSON object: 400', async () => {
    expect(await post('openai', delivery(null, { body: 'batch.completed' }))).toEqual(
      refused(400, 'invalid_callback'),
    );
  });
});

describe('a Gemini API callback', () => {
  const geminiEvent = (id: string) => ({
    type: 'batch.succeeded',
    version: 'v1',
    timestamp: new Date().toISOString(),
    data: { id },
  });

  it('wakes the batch named with or without its batches/ prefix', async () => {
    const bare = randomBytes(8).toString('hex');
    const first = await batchAtProvider('gemini', `batches/${bare}`);
    expect((await post('gemini', delivery(geminiEvent(bare), { secret: GEMINI }))).status).toBe(200);
    expect(pollNow).toHaveBeenLastCalledWith(first);
    const prefixed = randomBytes(8).toString('hex');
    const second = await batchAtProvider('gemini', `batches/${prefixed}`);
    expect(
      (await post('gemini', delivery(geminiEvent(`batches/${prefixed}`), { secret: GEMINI }))).status,
    ).toBe(200);
    expect(pollNow).toHaveBeenLastCalledWith(second);
    expect(pollNow).toHaveBeenCalledTimes(2);
  });

  it("is checked against the Gemini secret only, and never wakes another provider's batch", async () => {
    const providerBatchId = `batch_${randomBytes(8).toString('hex')}`;
    await batchAtProvider('openai', providerBatchId);
    expect((await post('gemini', delivery(geminiEvent(providerBatchId)))).status).toBe(401);
    expect((await post('gemini', delivery(geminiEvent(providerBatchId), { secret: GEMINI }))).status).toBe(
      200,
    );
    expect(pollNow).not.toHaveBeenCalled();
  });
});

describe('providers without callbacks', () => {
  it('a provider that sends none is answered as an unknown route', async () => {
    const answer = await post('anthropic', delivery(openAIEvent('msgbatch_1')));
    expect(answer).toEqual({ status: 404, body: { error: { type: 'not_found', message: 'no such route' } } });
  });

  it('with no secret configured, the route answers 404 to a delivery however it is signed', async () => {
    const bare = await startTestApi({ adminKeys: [ADMIN_KEY] });
    try {
      for (const provider of ['openai', 'gemini']) {
        const sent = delivery(openAIEvent('batch_1'));
        const response = await fetch(`${bare.url}/v1/provider-callbacks/${provider}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...sent.headers },
          body: sent.body,
        });
        expect(response.status).toBe(404);
        expect(await response.json()).toEqual({ error: { type: 'not_found', message: 'no such route' } });
      }
    } finally {
      await bare.close();
    }
  });
});
