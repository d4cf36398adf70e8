import { randomBytes } from 'node:crypto';
import { standardHeaders } from '@tranche/webhooks';
import { describe, expect, it } from 'vitest';
import { parseCallbackEvent } from './provider-events';
import { CALLBACK_TOLERANCE_S, CallbackRefusedError, CallbackVerifier, isSigningSecret } from './verify';

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;
// standardwebhooks checks the timestamp against the real clock too: the deliveries are signed around now.
const NOW = Date.now();
const body = JSON.stringify({
  id: 'evt_1',
  object: 'event',
  type: 'batch.completed',
  created_at: Math.floor(NOW / 1000),
  data: { id: 'batch_abc' },
});

function signed(key: string | string[], options: { at?: number; id?: string; text?: string } = {}) {
  const text = options.text ?? body;
  const headers: Record<string, string> = {
    ...standardHeaders({
      id: options.id ?? 'wh_1',
      body: text,
      secrets: Array.isArray(key) ? key : [key],
      now: new Date(options.at ?? NOW),
    }),
  };
  return { headers, body: Buffer.from(text) };
}

function refusal(verify: () => unknown): CallbackRefusedError {
  try {
    verify();
  } catch (error) {
    if (error instanceof CallbackRefusedError) return error;
    throw error;
  }
  throw new Error('the delivery was accepted');
}

describe('verifying a provider callback', () => {
  const key = secret();
  const verifier = new CallbackVerifier([key]);

  it('accepts a delivery signed with the secret over the exact body', () => {
    const delivery = signed(key);
    expect(verifier.verify(delivery.headers, delivery.body, NOW)['webhook-id']).toBe('wh_1');
  });

  it('refuses a body changed by one byte (401 invalid_signature)', () => {
    const delivery = signed(key);
    const tampered = Buffer.from(delivery.body);
    const at = tampered.length - 3;
    tampered[at] = tampered[at]! ^ 1;
    expect(refusal(() => verifier.verify(delivery.headers, tampered, NOW))).toMatchObject({
      status: 401,
      type: 'invalid_signature',
    });
  });

  it('refuses a delivery signed with another secret, or under another webhook-id (401)', () => {
    const other = signed(secret());
    expect(refusal(() => verifier.verify(other.headers, other.body, NOW)).status).toBe(401);
    const delivery = signed(key);
    const renamed = { ...delivery.headers, 'webhook-id': 'wh_2' };
    expect(refusal(() => verifier.verify(renamed, delivery.body, NOW)).status).toBe(401);
  });

  it('refuses a delivery missing any of the three headers, naming it (400 invalid_callback)', () => {
    const delivery = signed(key);
    for (const header of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const { [header]: _, ...rest } = delivery.headers;
      const error = refusal(() => verifier.verify(rest, delivery.body, NOW));
      expect(error).toMatchObject({ status: 400, type: 'invalid_callback' });
      expect(error.message).toContain(header);
    }
  });

  it('refuses a timestamp more than five minutes old or ahead, even when correctly signed (400)', () => {
    const tolerance = CALLBACK_TOLERANCE_S * 1000;
    for (const at of [NOW - tolerance - 1000, NOW + tolerance + 1000]) {
      const delivery = signed(key, { at });
      const error = refusal(() => verifier.verify(delivery.headers, delivery.body, NOW));
      expect(error).toMatchObject({ status: 400, type: 'invalid_callback' });
      expect(error.message).toContain('webhook-timestamp');
    }
    const edge = signed(key, { at: NOW - tolerance + 10_000 });
    expect(verifier.verify(edge.headers, edge.body, NOW)['webhook-id']).toBe('wh_1');
  });

  it('refuses a timestamp that is not a Unix time in seconds (400)', () => {
    const delivery = signed(key);
    const iso = { ...delivery.headers, 'webhook-timestamp': new Date(NOW).toISOString() };
    expect(refusal(() => verifier.verify(iso, delivery.body, NOW)).status).toBe(400);
  });

  it('takes either of two secrets while one is rotated, and any one of several signatures', () => {
    const previous = secret();
    const next = secret();
    const rotating = new CallbackVerifier([next, previous]);
    const old = signed(previous);
    expect(rotating.verify(old.headers, old.body, NOW)['webhook-id']).toBe('wh_1');
    const both = signed([secret(), next]);
    expect(both.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(rotating.verify(both.headers, both.body, NOW)['webhook-id']).toBe('wh_1');
  });
});

describe('signing secrets', () => {
  it('takes whsec_ and base64 of 16 bytes or more, and refuses the rest', () => {
    expect(isSigningSecret(secret())).toBe(true);
    expect(isSigningSecret(randomBytes(24).toString('base64'))).toBe(true);
    expect(isSigningSecret(`whsec_${randomBytes(8).toString('base64')}`)).toBe(false);
    expect(isSigningSecret('whsec_not base64!')).toBe(false);
    expect(isSigningSecret('sk-proj-abcdefghijklmnop')).toBe(false);
  });
});

describe('what an event names', () => {
  it("OpenAI: the batch of a batch.* event's data.id, nothing for other events", () => {
    for (const type of ['batch.completed', 'batch.failed', 'batch.cancelled', 'batch.expired']) {
      expect(parseCallbackEvent('openai', { type, data: { id: 'batch_1' } })).toEqual({
        type,
        providerBatchIds: ['batch_1'],
      });
    }
    expect(parseCallbackEvent('openai', { type: 'response.completed', data: { id: 'resp_1' } })).toEqual({
      type: 'response.completed',
      providerBatchIds: [],
    });
    expect(parseCallbackEvent('openai', { type: 'batch.completed', data: {} })?.providerBatchIds).toEqual([]);
    expect(parseCallbackEvent('openai', [1, 2])).toBeNull();
    expect(parseCallbackEvent('openai', null)).toBeNull();
  });

  it('Gemini: the batch named with or without its batches/ prefix, both looked up', () => {
    expect(parseCallbackEvent('gemini', { type: 'batch.succeeded', data: { id: 'abc' } })).toEqual({
      type: 'batch.succeeded',
      providerBatchIds: ['batches/abc', 'abc'],
    });
    expect(
      parseCallbackEvent('gemini', { type: 'batch.expired', data: { id: 'batches/abc' } })?.providerBatchIds,
    ).toEqual(['batches/abc', 'abc']);
    expect(
      parseCallbackEvent('gemini', { type: 'video.generated', data: { id: 'abc' } })?.providerBatchIds,
    ).toEqual([]);
    // OpenAI's name for a finished batch is not one of the Gemini API's.
    expect(
      parseCallbackEvent('gemini', { type: 'batch.completed', data: { id: 'abc' } })?.providerBatchIds,
    ).toEqual([]);
  });
});
