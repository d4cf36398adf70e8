import type Anthropic from '@anthropic-ai/sdk';
import type {
  MessageBatch,
  MessageBatchIndividualResponse,
} from '@anthropic-ai/sdk/resources/messages/batches';
import type { TransportSettings } from '../descriptor';
import { classifyCallError } from '../errors';
import { DEFAULT_RESULT_DOWNLOAD_IDLE_TIMEOUT_MS, idleGuardedBytes } from '../idle-timeout';
import { asString } from '../json-fields';
import { readLines } from '../lines';
import { readResultFile } from '../result-file';
import type {
  BatchContext,
  BatchRef,
  BatchTransport,
  ExistingBatch,
  ExistingBatchQuery,
  NormalizedResult,
  PollResult,
  SubmitRequest,
  SubmitResult,
  UnreadableLine,
} from '../types';
import { adoptableBatch } from './adoptable-batch';
import { inlineRequestsBody } from './inline-requests-body';
import { largestMaxTokens } from './largest-max-tokens';
import { claudeOutputLimit, outputBetaFor } from './output-limits';
import { parseResult } from './parse-result';
import { pollResult } from './poll-result';
import { resultsBody } from './results-body';

export interface AnthropicOptions {
  apiKey: string;
  /** Without `/v1` (the SDK's paths carry it), e.g. `http://127.0.0.1:8788/anthropic`. */
  baseURL?: string | undefined;
  maxRetries?: number;
  timeoutMs?: number;
}

// How far before the chunk was planned a batch created for it may look: covers clock skew with the provider.
const ADOPT_SKEW_MS = 300_000;
const LIST_PAGE_SIZE = 100;
/**
 * Node's fetch clones a request to follow redirects, and the clone tees a stream body: the branch kept for the
 * redirect is never read, so it buffers the whole upload (nodejs/undici#4058). With redirects refused and no window
 * it sends the stream as is. A stream cannot be replayed to a redirect's target anyway.
 */
const STREAMED_BODY_FETCH = { redirect: 'error', window: null } as const;

/** Anthropic's Message Batches API through its SDK. */
export class AnthropicTransport implements BatchTransport {
  private readonly resultIdleTimeoutMs: number;
  private sdkClient: Promise<Anthropic> | undefined;

  constructor(
    private readonly options: AnthropicOptions,
    settings: TransportSettings = {},
  ) {
    this.resultIdleTimeoutMs = settings.resultIdleTimeoutMs ?? DEFAULT_RESULT_DOWNLOAD_IDLE_TIMEOUT_MS;
  }

  /**
   * The SDK client, made at the first call: the SDK is loaded only by a process that talks to Anthropic (a worker
   * may never get an Anthropic job), sparing it ~30 MB.
   */
  private client(): Promise<Anthropic> {
    this.sdkClient ??= import('@anthropic-ai/sdk').then(
      ({ default: Anthropic }) =>
        new Anthropic({
          apiKey: this.options.apiKey,
          baseURL: this.options.baseURL,
          maxRetries: this.options.maxRetries ?? 3,
          timeout: this.options.timeoutMs ?? 600_000,
        }),
    );
    return this.sdkClient;
  }

  /** Recognised by size and time only (`adoptableBatch`): the worker proves the adoption when it fetches. */
  async findExisting(query: ExistingBatchQuery): Promise<ExistingBatch | null> {
    try {
      const client = await this.client();
      const batch = await adoptableBatch(
        client.messages.batches.list({ limit: LIST_PAGE_SIZE }),
        query,
        ADOPT_SKEW_MS,
      );
      return batch ? { providerBatchId: batch.id, recognisedBy: 'size' } : null;
    } catch (error) {
      throw classifyCallError('anthropic', error);
    }
  }

  /**
   * Anthropic takes the requests inline, in one JSON body: streamed from the request file as it is sent
   * (`inlineRequestsBody`), never parsed or held: a 256 MB chunk costs the worker a few read buffers, not its size.
   */
  async submit(request: SubmitRequest): Promise<SubmitResult> {
    try {
      const client = await this.client();
      const beta = await outputBeta(request);
      const { body, bytes } = await inlineRequestsBody(request.filePath);
      // Made once (no SDK retry, and a stream cannot be sent twice anyway): after a lost answer a second call would
      // make a second batch. The failure reaches the worker instead, whose next attempt looks for the batch this
      // call may have made (findExisting).
      const batch = await client.post<MessageBatch>('/v1/messages/batches', {
        body,
        headers: {
          'content-type': 'application/json',
          'content-length': String(bytes),
          ...(beta ? { 'anthropic-beta': beta } : {}),
        },
        maxRetries: 0,
        fetchOptions: STREAMED_BODY_FETCH,
      });
      return { providerBatchId: batch.id };
    } catch (error) {
      throw classifyCallError('anthropic', error);
    }
  }

  async poll(ref: BatchRef): Promise<PollResult> {
    try {
      const client = await this.client();
      return pollResult(await client.messages.batches.retrieve(ref.providerBatchId));
    } catch (error) {
      throw classifyCallError('anthropic', error);
    }
  }

  /**
   * The JSONL at the batch's `results_url`, streamed line by line. Lines come in any order, one per request,
   * canceled and expired ones included.
   */
  async *fetchResults(
    ref: BatchRef,
    context: BatchContext,
    onUnreadable?: (line: UnreadableLine) => void,
  ): AsyncIterable<NormalizedResult> {
    let body: ReadableStream<Uint8Array>;
    const download = new AbortController();
    try {
      body = await resultsBody(await this.client(), ref.providerBatchId, download.signal);
    } catch (error) {
      throw classifyCallError('anthropic', error);
    }
    const guarded = idleGuardedBytes(body, {
      ms: this.resultIdleTimeoutMs,
      what: `anthropic batch ${ref.providerBatchId} results`,
      abort: (error) => download.abort(error),
    });
    try {
      yield* readResultFile(readLines(guarded), {
        file: `anthropic batch ${ref.providerBatchId} results`,
        parse: (line) => parseResult(line as unknown as MessageBatchIndividualResponse, context),
        customIdOf: (line) => asString(line.custom_id),
        onUnreadable,
      });
    } catch (error) {
      // Only the stream can fail here (a line that cannot be read is a result): a dropped connection.
      throw classifyCallError('anthropic', error);
    }
  }

  async cancel(ref: BatchRef): Promise<void> {
    try {
      const client = await this.client();
      await client.messages.batches.cancel(ref.providerBatchId);
    } catch (error) {
      const classified = classifyCallError('anthropic', error);
      // A batch that has ended cannot be canceled; that is the state we wanted anyway.
      if (classified.status !== 400 && classified.status !== 409) throw classified;
      if ((await this.poll(ref)).phase !== 'ended') throw classified;
    }
  }

  /** Deletes the ended batch (and its results) once they are stored. */
  async cleanup(ref: BatchRef): Promise<void> {
    try {
      const client = await this.client();
      await client.messages.batches.delete(ref.providerBatchId);
    } catch (error) {
      const classified = classifyCallError('anthropic', error);
      if (classified.status !== 404) throw classified;
    }
  }
}

/**
 * The `anthropic-beta` the batch needs: the 300K output beta when a request asks for more than the model's
 * synchronous limit and the model takes the beta (output-limits.ts). Only the create call carries it: results and
 * retrieval need no beta. The request file is only read for it when the model could need it.
 */
async function outputBeta(request: SubmitRequest): Promise<string | null> {
  const { model } = request.context;
  if (!claudeOutputLimit(model)?.output300k) return null;
  return outputBetaFor(model, await largestMaxTokens(request.filePath));
}
