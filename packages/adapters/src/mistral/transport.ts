import { createReadStream } from 'node:fs';
import type { Mistral } from '@mistralai/mistralai';
import type { BatchJob, BatchRequest } from '@mistralai/mistralai/models/components';
import { createAfterUpload } from '../create-after-upload';
import type { TransportSettings } from '../descriptor';
import { ProviderCallError } from '../errors';
import { DEFAULT_RESULT_DOWNLOAD_IDLE_TIMEOUT_MS, idleGuardedBytes } from '../idle-timeout';
import { asString } from '../json-fields';
import { parseJsonLine, readLines } from '../lines';
import { CHUNK_KEY_METADATA, JOB_ID_METADATA } from '../metadata';
import { parseCompatibleLine } from '../openai-compatible/parse-line';
import { readResultFile } from '../result-file';
import type {
  BatchContext,
  BatchRef,
  BatchTransport,
  ExistingBatch,
  ExistingBatchQuery,
  JobKind,
  NormalizedResult,
  PollResult,
  SubmitRequest,
  SubmitResult,
  UnreadableLine,
} from '../types';
import { loadMistralErrors, mistralCallError } from './call-error';
import { DiskUploads } from './disk-upload';
import { DEFAULT_INLINE, type InlineBounds } from './inline-bounds';
import { pollResult } from './job-status';
import { findUploadedFile } from './uploaded-file';

export interface MistralRetryOptions {
  initialIntervalMs: number;
  maxIntervalMs: number;
  exponent: number;
  /** The SDK stops retrying a call after this long. */
  maxElapsedMs: number;
}

export interface MistralOptions {
  apiKey: string;
  /** Without `/v1`, e.g. `https://api.mistral.ai` (the SDK's default when unset). */
  serverURL?: string;
  /**
   * The SDK does not retry unless told to: these are its backoff settings (429, 500, 502, 503, 504, network), for
   * every call but the two that create something (the upload and the job create), which are made once.
   */
  retry?: Partial<MistralRetryOptions>;
  /** Per call (default 300 s, the SDK's). */
  timeoutMs?: number;
  /** For the request file upload, up to 512 MB (default 30 min). */
  uploadTimeoutMs?: number;
  /**
   * Chunks up to both bounds go inline: their requests in the job create call, no file uploaded (default
   * `DEFAULT_INLINE`). Either bound at 0 sends every chunk as a file.
   */
  inline?: InlineBounds;
}

const DEFAULT_RETRY: MistralRetryOptions = {
  initialIntervalMs: 500,
  maxIntervalMs: 60_000,
  exponent: 1.5,
  maxElapsedMs: 5 * 60_000,
};

const ENDPOINTS: Record<JobKind, '/v1/chat/completions' | '/v1/embeddings'> = {
  chat: '/v1/chat/completions',
  embedding: '/v1/embeddings',
};

const ENDED = new Set(['SUCCESS', 'FAILED', 'TIMEOUT_EXCEEDED', 'CANCELLED', 'CANCELLATION_REQUESTED']);
const PAGE_SIZE = 100;
// How far back to look for a job created just before a crash: covers clock skew between us and the provider.
const ADOPT_SKEW_MS = 300_000;

/**
 * For the calls that create something (the file upload, the job). When the answer is lost, the SDK cannot know
 * whether the call took effect, and trying again would make a second one. Such a failure reaches the worker instead,
 * whose next attempt looks for what this one made.
 */
const CREATE_ONCE = { retries: { strategy: 'none' } } as const;

/** Mistral's batch API (files and batch jobs) through its SDK. */
export class MistralTransport implements BatchTransport {
  private sdk: { client: Mistral; uploads: DiskUploads } | undefined;
  private loading: Promise<void> | undefined;
  private readonly uploadTimeoutMs: number;
  private readonly timeoutMs: number;
  private readonly resultIdleTimeoutMs: number;
  private readonly inline: InlineBounds;

  constructor(
    private readonly options: MistralOptions,
    settings: TransportSettings = {},
  ) {
    this.uploadTimeoutMs = options.uploadTimeoutMs ?? 30 * 60_000;
    this.timeoutMs = options.timeoutMs ?? 300_000;
    this.resultIdleTimeoutMs = settings.resultIdleTimeoutMs ?? DEFAULT_RESULT_DOWNLOAD_IDLE_TIMEOUT_MS;
    this.inline = options.inline ?? DEFAULT_INLINE;
  }

  /**
   * Loads the SDK and makes its client at the first call, not at construction: the SDK (~60 MB of a process's
   * memory, most of it its schemas) is loaded only by a process that talks to Mistral, not by a worker without
   * Mistral jobs. Every method that calls out awaits it.
   */
  private load(): Promise<void> {
    this.loading ??= (async () => {
      const [{ HTTPClient, Mistral }] = await Promise.all([
        import('@mistralai/mistralai'),
        loadMistralErrors(),
      ]);
      const options = this.options;
      const retry = { ...DEFAULT_RETRY, ...options.retry };
      const httpClient = new HTTPClient();
      const uploads = new DiskUploads(httpClient);
      const client = new Mistral({
        apiKey: options.apiKey,
        serverURL: options.serverURL,
        httpClient,
        retryConfig: {
          strategy: 'backoff',
          backoff: {
            initialInterval: retry.initialIntervalMs,
            maxInterval: retry.maxIntervalMs,
            exponent: retry.exponent,
            maxElapsedTime: retry.maxElapsedMs,
          },
          retryConnectionErrors: true,
        },
        timeoutMs: options.timeoutMs ?? 300_000,
      });
      this.sdk = { client, uploads };
    })();
    return this.loading;
  }

  private get client(): Mistral {
    if (!this.sdk) throw new Error('mistral: the SDK is used before load()');
    return this.sdk.client;
  }

  private get uploads(): DiskUploads {
    if (!this.sdk) throw new Error('mistral: the SDK is used before load()');
    return this.sdk.uploads;
  }

  /**
   * Lists jobs newest first, filtered by the chunk key and the chunk's age. Whether the API honours the SDK's
   * metadata filter (it sends the object as exploded query keys) is unconfirmed, so every job is checked here too.
   */
  async findExisting({
    chunkKey,
    createdAfter,
    knownBatchIds,
  }: ExistingBatchQuery): Promise<ExistingBatch | null> {
    const since = new Date(createdAfter.getTime() - ADOPT_SKEW_MS);
    const sinceS = Math.floor(since.getTime() / 1000);
    await this.load();
    try {
      for (let page = 0; ; page++) {
        const list = await this.client.batch.jobs.list({
          page,
          pageSize: PAGE_SIZE,
          metadata: { [CHUNK_KEY_METADATA]: chunkKey },
          createdAfter: since,
          orderBy: '-created',
        });
        const jobs = list.data ?? [];
        for (const job of jobs) {
          if (job.createdAt < sinceS) return null;
          if (job.metadata?.[CHUNK_KEY_METADATA] === chunkKey && !knownBatchIds.has(job.id)) {
            return {
              providerBatchId: job.id,
              inputFileId: job.inputFiles[0] ?? null,
              recognisedBy: 'chunk_key',
            };
          }
        }
        if (jobs.length < PAGE_SIZE || (page + 1) * PAGE_SIZE >= list.total) return null;
      }
    } catch (error) {
      throw mistralCallError(error);
    }
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    await this.load();
    if (goesInline(request, this.inline)) return this.submitInline(request);
    const filename = `${request.chunkKey}.jsonl`;
    let fileId: string;
    try {
      fileId =
        (await this.uploadedEarlier(request, filename)) ??
        (
          await this.uploads.upload(request.filePath, (placeholder, headers) =>
            this.client.files.upload(
              { file: { fileName: filename, content: placeholder }, purpose: 'batch' },
              { headers, timeoutMs: this.uploadTimeoutMs, ...CREATE_ONCE },
            ),
          )
        ).id;
    } catch (error) {
      throw mistralCallError(error);
    }
    const job = await createAfterUpload({
      fileId,
      create: () =>
        this.client.batch.jobs.create({ ...jobFields(request), inputFiles: [fileId] }, CREATE_ONCE),
      classify: mistralCallError,
      deleteFile: (id) => this.client.files.delete({ fileId: id }),
    });
    return { providerBatchId: job.id, inputFileId: fileId };
  }

  /**
   * A small chunk's requests in the create call itself (inline batching): no file to upload, list or delete. The
   * request file's lines are already `{custom_id, body}`, the shape of an inline request. Made once, like every
   * create: a lost answer leaves a job that `findExisting` finds by its metadata.
   */
  private async submitInline(request: SubmitRequest): Promise<SubmitResult> {
    const requests: BatchRequest[] = [];
    for await (const line of readLines(createReadStream(request.filePath))) {
      const { custom_id: customId, body } = parseJsonLine(line, 'mistral request file') as {
        custom_id: string;
        body: Record<string, unknown>;
      };
      requests.push({ customId, body });
    }
    try {
      const job = await this.client.batch.jobs.create({ ...jobFields(request), requests }, CREATE_ONCE);
      return { providerBatchId: job.id, inputFileId: null };
    } catch (error) {
      throw mistralCallError(error);
    }
  }

  /** The file an earlier attempt at the chunk uploaded (when there was one), so that it is not uploaded twice. */
  private async uploadedEarlier(request: SubmitRequest, filename: string): Promise<string | null> {
    if (!request.earlierAttemptsSince) return null;
    const since = request.earlierAttemptsSince.getTime() - ADOPT_SKEW_MS;
    return findUploadedFile(this.client, { filename, bytes: request.bytes, since: Math.floor(since / 1000) });
  }

  async poll(ref: BatchRef): Promise<PollResult> {
    return pollResult(await this.job(ref.providerBatchId));
  }

  /**
   * An inline job's results from its `outputs` (`inline=true`); a file job's output file (successes) then error file
   * (failures), each streamed line by line. Both hold the same lines, read the same way.
   */
  async *fetchResults(
    ref: BatchRef,
    context: BatchContext,
    onUnreadable?: (line: UnreadableLine) => void,
  ): AsyncIterable<NormalizedResult> {
    await this.load();
    const outputs = await this.inlineOutputs(ref.providerBatchId);
    if (outputs) {
      yield* readResultFile(jsonLines(outputs), {
        file: `mistral job ${ref.providerBatchId} outputs`,
        parse: (line) => parseCompatibleLine(line, context),
        customIdOf: (line) => asString(line.custom_id),
        onUnreadable,
      });
      return;
    }
    for (const fileId of [ref.outputFileId, ref.errorFileId]) {
      if (!fileId) continue;
      let body: ReadableStream<Uint8Array>;
      // Our own signal replaces the SDK's timeout, which would also cut a long download that is still coming:
      // the call's timeout holds until the headers, then the idle guard watches the body.
      const download = new AbortController();
      const headersTimeout = setTimeout(
        () => download.abort(new ProviderCallError(`mistral: no answer in ${this.timeoutMs} ms`, null, true)),
        this.timeoutMs,
      );
      try {
        body = await this.client.files.download({ fileId }, { signal: download.signal });
      } catch (error) {
        throw mistralCallError(download.signal.aborted ? download.signal.reason : error);
      } finally {
        clearTimeout(headersTimeout);
      }
      const guarded = idleGuardedBytes(body, {
        ms: this.resultIdleTimeoutMs,
        what: `mistral file ${fileId}`,
        abort: (error) => download.abort(error),
      });
      yield* readResultFile(readLines(guarded), {
        file: `mistral file ${fileId}`,
        parse: (line) => parseCompatibleLine(line, context),
        customIdOf: (line) => asString(line.custom_id),
        onUnreadable,
      });
    }
  }

  async cancel(ref: BatchRef): Promise<void> {
    await this.load();
    try {
      await this.client.batch.jobs.cancel({ jobId: ref.providerBatchId });
    } catch (error) {
      const classified = mistralCallError(error);
      // A job that already ended cannot be cancelled (the API's answer is unconfirmed): that is what we wanted.
      if (classified.retryable || classified.status === 404) throw classified;
      const job = await this.job(ref.providerBatchId);
      if (!ENDED.has(String(job.status))) throw classified;
    }
  }

  async cleanup(ref: BatchRef & { inputFileId?: string | null }): Promise<void> {
    await this.load();
    for (const fileId of [ref.inputFileId, ref.outputFileId, ref.errorFileId]) {
      if (!fileId) continue;
      try {
        await this.client.files.delete({ fileId });
      } catch (error) {
        const classified = mistralCallError(error);
        if (classified.status !== 404) throw classified;
      }
    }
  }

  /**
   * The results of an inline job (one with no input file), as `jobs.get({inline: true})` returns them; null for a
   * file job, whose results can be far too many for one answer. Whether an inline job also gets an output file is
   * not documented: when `outputs` is missing, its files (if any) are read instead.
   */
  private async inlineOutputs(jobId: string): Promise<Array<Record<string, unknown>> | null> {
    if ((await this.job(jobId)).inputFiles.length > 0) return null;
    try {
      return (await this.client.batch.jobs.get({ jobId, inline: true })).outputs ?? null;
    } catch (error) {
      throw mistralCallError(error);
    }
  }

  private async job(jobId: string): Promise<BatchJob> {
    await this.load();
    try {
      return await this.client.batch.jobs.get({ jobId });
    } catch (error) {
      throw mistralCallError(error);
    }
  }
}

/** What every job create sends, whichever way its requests go. */
function jobFields(request: SubmitRequest) {
  return {
    model: request.context.model,
    endpoint: ENDPOINTS[request.context.kind],
    metadata: { [JOB_ID_METADATA]: request.context.jobId, [CHUNK_KEY_METADATA]: request.chunkKey },
    timeoutHours: 24,
  };
}

function goesInline(request: SubmitRequest, bounds: InlineBounds): boolean {
  return request.requestCount <= bounds.maxRequests && request.bytes <= bounds.maxBytes;
}

async function* jsonLines(values: readonly unknown[]): AsyncGenerator<string> {
  for (const value of values) yield JSON.stringify(value);
}
