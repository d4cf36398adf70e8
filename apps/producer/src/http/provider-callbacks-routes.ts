import type { Logger } from '@tranche/config';
import { recordProviderCallback, type Sql } from '@tranche/db';
import type { TrancheQueues } from '@tranche/queues';
import { type Request, type Response, Router } from 'express';
import {
  CALLBACK_PROVIDERS,
  type CallbackProvider,
  isCallbackProvider,
  parseCallbackEvent,
} from '../callbacks/provider-events';
import { CallbackRefusedError, CallbackVerifier } from '../callbacks/verify';
import { DEFAULT_REQUEST_BODY_IDLE_TIMEOUT_MS } from './body-idle';
import { BodyTooLargeError, discardRest, MeteredBody } from './metered-body';

export const PROVIDER_CALLBACKS_PATH = '/v1/provider-callbacks';

/** The providers' batch events are a few hundred bytes; anything near this is not one. */
export const PROVIDER_CALLBACK_MAX_BYTES = 64 * 1024;

/** Each provider's signing secrets (OPENAI_WEBHOOK_SECRET, GEMINI_WEBHOOK_SECRET); none: its route is a 404. */
export type ProviderCallbackSecrets = Partial<Record<CallbackProvider, readonly string[]>>;

export interface ProviderCallbackDeps {
  sql: Sql;
  /** Read at each delivery, so a test may watch `pollNow`. */
  queues: TrancheQueues;
  log: Logger;
  secrets: ProviderCallbackSecrets;
  /** REQUEST_BODY_IDLE_TIMEOUT_MS. */
  bodyIdleMs?: number;
}

function refuse(res: Response, status: number, type: string, message: string): void {
  res.status(status).json({ error: { type, message } });
}

/** The whole body as received, cut at `PROVIDER_CALLBACK_MAX_BYTES` as it streams in (the HMAC needs every byte). */
async function rawBody(req: Request, idleMs: number): Promise<Buffer> {
  const metered = new MeteredBody(req, PROVIDER_CALLBACK_MAX_BYTES, idleMs);
  const chunks: Buffer[] = [];
  for await (const chunk of metered.chunks()) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * `POST /v1/provider-callbacks/:provider`: a provider says one of its batches ended, and the batch's poll runs now
 * instead of at its next scheduled time. Mounted before the API's key check: a provider has no Tranche key, so a
 * delivery is authenticated by its Standard Webhooks signature alone, over the exact bytes received.
 *
 * - A provider with no secret configured (or not one that sends callbacks) gets the API's plain 404.
 * - A delivery that fails verification is refused (400 or 401), and nothing is recorded or woken.
 * - A verified delivery is recorded by its `webhook-id`: the same id again (the provider's retry, or a replay)
 *   changes nothing. The first time, the poll of the batch it names is woken if Tranche holds that batch and it is
 *   at the provider. The event's status is never read: the poll asks the provider.
 * - Every verified delivery gets the same 200, whether it named a batch of Tranche's or not, so the provider stops
 *   retrying and the answer says nothing of which batches exist.
 *
 * Polling stays as it was: a callback that never comes changes nothing but how soon a batch is seen to end.
 */
export function providerCallbacksRouter(deps: ProviderCallbackDeps): Router {
  const verifiers = new Map<CallbackProvider, CallbackVerifier>();
  for (const provider of CALLBACK_PROVIDERS) {
    const secrets = deps.secrets[provider];
    if (secrets && secrets.length > 0) verifiers.set(provider, new CallbackVerifier(secrets));
  }
  const idleMs = deps.bodyIdleMs ?? DEFAULT_REQUEST_BODY_IDLE_TIMEOUT_MS;
  const router = Router();
  router.post('/:provider', async (req, res) => {
    const provider = req.params.provider ?? '';
    const verifier = isCallbackProvider(provider) ? verifiers.get(provider) : undefined;
    if (!isCallbackProvider(provider) || !verifier) {
      discardRest(req);
      // The same answer as any unknown route: whether callbacks are configured is not for a stranger to learn.
      refuse(res, 404, 'not_found', 'no such route');
      return;
    }
    let body: Buffer;
    try {
      body = await rawBody(req, idleMs);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      discardRest(req);
      refuse(res, 413, 'too_large', `a provider callback is at most ${PROVIDER_CALLBACK_MAX_BYTES} bytes`);
      return;
    }
    let webhookId: string;
    try {
      webhookId = verifier.verify(req.headers, body)['webhook-id'];
    } catch (error) {
      if (!(error instanceof CallbackRefusedError)) throw error;
      // Nothing of the body is logged: it is not known to be the provider's.
      deps.log.warn({ provider, reason: error.message }, 'provider callback refused');
      refuse(res, error.status, error.type, error.message);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      parsed = null;
    }
    const event = parseCallbackEvent(provider, parsed);
    if (!event) {
      refuse(res, 400, 'invalid_callback', 'the body is not a JSON object');
      return;
    }
    const outcome = await recordProviderCallback(
      deps.sql,
      { provider, webhookId, eventType: event.type, providerBatchIds: event.providerBatchIds },
      (batchId) => deps.queues.pollNow(batchId),
    );
    deps.log.info(
      { provider, webhookId, event: event.type, providerBatchId: event.providerBatchIds[0], outcome },
      'provider callback',
    );
    res.status(200).json({ received: true });
  });
  return router;
}
