import { readFile } from 'node:fs/promises';
import type { GoogleGenAI } from '@google/genai';
import { createAfterUpload } from '../create-after-upload';
import type { TransportSettings } from '../descriptor';
import { DEFAULT_RESULT_DOWNLOAD_IDLE_TIMEOUT_MS, idleGuardedBytes } from '../idle-timeout';
import { asObject, type Json } from '../json-fields';
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
import {
  type BatchOperation,
  batchOutput,
  inputFileName,
  isEnded,
  pollResult,
  responsesFile,
} from './job-state';
import { GeminiApiError, GeminiRest, geminiCallError } from './rest';
import { lineCustomId, parseGeminiLine } from './result-line';

export interface GeminiOptions {
  /** `GEMINI_API_KEY`. */
  apiKey: string;
  /** `GEMINI_BASE_URL`: the API root without version; unset, Google's. */
  baseUrl?: string;
  /** Attempts per API call, the first included (default 4), and the backoff between them. */
  retries?: { attempts?: number; initialDelayMs?: number; maxDelayMs?: number };
  /** Per attempt (default 600 s). */
  timeoutMs?: number;
  /** A chat chunk whose request file is smaller goes inline in the create call (default: just under 20 MB). */
  inlineMaxBytes?: number;
}

const DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com';
/** Batches and files are v1beta routes; SDK 3.x defaults to `v1` for the Developer API. */
const API_VERSION = 'v1beta';
/**
 * "Inline requests: total request size under 20MB" (the batch guide). Each inline request adds its wrapping
 * (`{"request":…,"metadata":{"key":…}}` less the file line's own) to the request file's bytes: the threshold leaves
 * room for it and the body's envelope.
 */
export const INLINE_MAX_BYTES = 20_000_000;
const INLINE_OVERHEAD_PER_REQUEST = 32;
const INLINE_ENVELOPE_BYTES = 4096;
// How far back to look for a batch created just before a crash: covers clock skew between us and Google.
const ADOPT_SKEW_MS = 300_000;
const LIST_PAGE_SIZE = 100;

/** Gemini Developer API batch mode: creates, polls and reads over REST; the request file goes up through the SDK. */
export class GeminiTransport implements BatchTransport {
  private readonly rest: GeminiRest;
  private sdk: Promise<GoogleGenAI> | undefined;
  private readonly baseUrl: string;
  private readonly retry: { attempts: number; initialDelayMs: number; maxDelayMs: number };
  private readonly timeoutMs: number;
  private readonly inlineMaxBytes: number;
  private readonly resultIdleTimeoutMs: number;

  constructor(
    private readonly options: GeminiOptions,
    settings: TransportSettings = {},
  ) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.retry = {
      attempts: options.retries?.attempts ?? 4,
      initialDelayMs: options.retries?.initialDelayMs ?? 1000,
      maxDelayMs: options.retries?.maxDelayMs ?? 30_000,
    };
    this.timeoutMs = options.timeoutMs ?? 600_000;
    this.inlineMaxBytes = options.inlineMaxBytes ?? INLINE_MAX_BYTES;
    this.resultIdleTimeoutMs = settings.resultIdleTimeoutMs ?? DEFAULT_RESULT_DOWNLOAD_IDLE_TIMEOUT_MS;
    this.rest = new GeminiRest({
      apiKey: options.apiKey,
      baseUrl: this.baseUrl,
      apiVersion: API_VERSION,
      retry: this.retry,
      timeoutMs: this.timeoutMs,
    });
  }

  /** The SDK, loaded at the first upload: a process that never uploads to Gemini never loads it. */
  private client(): Promise<GoogleGenAI> {
    this.sdk ??= import('@google/genai').then(
      ({ GoogleGenAI }) =>
        new GoogleGenAI({
          apiKey: this.options.apiKey,
          httpOptions: {
            baseUrl: this.baseUrl,
            apiVersion: API_VERSION,
            timeout: this.timeoutMs,
            retryOptions: {
              attempts: this.retry.attempts,
              initialDelay: this.retry.initialDelayMs / 1000,
              maxDelay: this.retry.maxDelayMs / 1000,
              expBase: 2,
              jitter: 1,
              httpStatusCodes: [408, 429, 500, 502, 503, 504],
            },
          },
        }),
    );
    return this.sdk;
  }

  /**
   * The list takes no filter in this mode (the SDK refuses one; what the API supports is UNCONFIRMED): every page
   * is read, newest first, for a batch whose `displayName` is the chunk key.
   */
  async findExisting({
    chunkKey,
    createdAfter,
    knownBatchIds,
  }: ExistingBatchQuery): Promise<ExistingBatch | null> {
    const since = createdAfter.getTime() - ADOPT_SKEW_MS;
    try {
      let pageToken: string | undefined;
      do {
        const query = new URLSearchParams({ pageSize: String(LIST_PAGE_SIZE) });
        if (pageToken) query.set('pageToken', pageToken);
        const page = await this.rest.json<{ operations?: BatchOperation[]; nextPageToken?: string }>(
          'GET',
          `batches?${query}`,
        );
        for (const op of page.operations ?? []) {
          const name = op.name ?? (op.metadata?.name as string | undefined);
          if (!name || op.metadata?.displayName !== chunkKey) continue;
          if (knownBatchIds.has(name)) continue;
          const created = Date.parse(String(op.metadata?.createTime ?? ''));
          if (Number.isFinite(created) && created < since) continue;
          return { providerBatchId: name, inputFileId: inputFileName(op), recognisedBy: 'chunk_key' };
        }
        pageToken = page.nextPageToken || undefined;
      } while (pageToken);
      return null;
    } catch (error) {
      throw geminiCallError(error);
    }
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const { context } = request;
    const inlineBytes =
      request.bytes + request.requestCount * INLINE_OVERHEAD_PER_REQUEST + INLINE_ENVELOPE_BYTES;
    if (context.kind === 'chat' && inlineBytes < this.inlineMaxBytes) return this.submitInline(request);
    return this.submitFile(request);
  }

  /** Chat under 20 MB: the lines go in the create call, each key in the request's `metadata.key`. */
  private async submitInline(request: SubmitRequest): Promise<SubmitResult> {
    const text = await readFile(request.filePath, 'utf8');
    const requests: Json[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const { key, request: body } = JSON.parse(line) as { key: string; request: Json };
      requests.push({ request: body, metadata: { key } });
    }
    const op = await this.create(request, { requests: { requests } }).catch((error) => {
      throw geminiCallError(error);
    });
    return { providerBatchId: op.name!, inputFileId: null };
  }

  /** Above 20 MB, and every embedding batch (its inline form carries no key): a file through the File API. */
  private async submitFile(request: SubmitRequest): Promise<SubmitResult> {
    const fileName = await this.uploadInput(request);
    const op = await createAfterUpload({
      fileId: fileName,
      create: () => this.create(request, { fileName }),
      classify: geminiCallError,
      deleteFile: (name) => this.deleteFile(name),
    });
    return { providerBatchId: op.name!, inputFileId: fileName };
  }

  /** Made once: the create is not idempotent, and a lost answer is found again by `findExisting`. */
  private async create(request: SubmitRequest, inputConfig: Json): Promise<BatchOperation> {
    const { context, chunkKey } = request;
    const method = context.kind === 'embedding' ? 'asyncBatchEmbedContent' : 'batchGenerateContent';
    const op = await this.rest.json<BatchOperation>('POST', `${modelPath(context.model)}:${method}`, {
      body: { batch: { displayName: chunkKey, inputConfig } },
      once: true,
    });
    if (!op.name) throw new Error('gemini: the created batch has no name');
    return op;
  }

  /**
   * A resumable upload through the SDK, with an explicit MIME type (its table has no `.jsonl`). After an earlier
   * attempt, a file of the same display name and size that is ACTIVE is used instead.
   */
  private async uploadInput(request: SubmitRequest): Promise<string> {
    try {
      if (request.earlierAttemptsSince) {
        const earlier = await this.findUploaded(request.chunkKey, request.bytes);
        if (earlier) return earlier;
      }
      const ai = await this.client();
      const file = await ai.files.upload({
        file: request.filePath,
        config: { mimeType: 'application/jsonl', displayName: request.chunkKey },
      });
      if (!file.name) throw new Error('gemini: the uploaded file has no name');
      return file.name;
    } catch (error) {
      throw geminiCallError(error);
    }
  }

  private async findUploaded(displayName: string, bytes: number): Promise<string | null> {
    let pageToken: string | undefined;
    do {
      const query = new URLSearchParams({ pageSize: String(LIST_PAGE_SIZE) });
      if (pageToken) query.set('pageToken', pageToken);
      const page = await this.rest.json<{ files?: Json[]; nextPageToken?: string }>('GET', `files?${query}`);
      for (const file of page.files ?? []) {
        if (file.displayName === displayName && Number(file.sizeBytes) === bytes && file.state === 'ACTIVE')
          return String(file.name);
      }
      pageToken = page.nextPageToken || undefined;
    } while (pageToken);
    return null;
  }

  async poll(ref: BatchRef): Promise<PollResult> {
    return pollResult(await this.getBatch(ref.providerBatchId));
  }

  async *fetchResults(
    ref: BatchRef,
    context: BatchContext,
    onUnreadable?: (line: UnreadableLine) => void,
  ): AsyncIterable<NormalizedResult> {
    let file = ref.outputFileId ?? null;
    let inline: unknown[] | null = null;
    if (!file) {
      const op = await this.getBatch(ref.providerBatchId);
      file = responsesFile(op);
      const inlined = asObject(batchOutput(op)?.inlinedResponses);
      if (!file && Array.isArray(inlined?.inlinedResponses)) inline = inlined.inlinedResponses;
    }
    const reader = {
      parse: (line: Json) => parseGeminiLine(line, context),
      customIdOf: lineCustomId,
      onUnreadable,
    };
    if (file) {
      yield* readResultFile(this.fileLines(file), { ...reader, file: `gemini ${file}` });
    } else if (inline) {
      yield* readResultFile(asLines(inline), {
        ...reader,
        file: `gemini ${ref.providerBatchId} inlinedResponses`,
      });
    }
  }

  /** The responses file, streamed (`/download/v1beta/files/{id}:download?alt=media`). */
  private async *fileLines(name: string): AsyncIterable<string> {
    const id = name.replace(/^files\//, '');
    let download: Awaited<ReturnType<GeminiRest['download']>>;
    try {
      download = await this.rest.download(
        `${this.baseUrl}/download/${API_VERSION}/files/${encodeURIComponent(id)}:download?alt=media`,
      );
    } catch (error) {
      throw geminiCallError(error);
    }
    const bytes = idleGuardedBytes(download.body, {
      ms: this.resultIdleTimeoutMs,
      what: `gemini ${name}`,
      abort: download.abort,
    });
    try {
      yield* readLines(bytes);
    } catch (error) {
      throw geminiCallError(error);
    }
  }

  async cancel(ref: BatchRef): Promise<void> {
    try {
      await this.rest.json('POST', `${batchPath(ref.providerBatchId)}:cancel`, { body: {} });
    } catch (error) {
      const classified = geminiCallError(error);
      // An ended batch cannot be cancelled (FAILED_PRECONDITION, UNCONFIRMED): that is the state we wanted anyway.
      if (classified.status === 400 || classified.status === 409 || classified.status === 412) {
        if (isEnded(await this.getBatch(ref.providerBatchId))) return;
      }
      throw classified;
    }
  }

  /** Deletes the uploaded request file and the responses file; the batch itself stays listed (its key is in it). */
  async cleanup(ref: BatchRef & { inputFileId?: string | null }): Promise<void> {
    let input = ref.inputFileId ?? null;
    let output = ref.outputFileId ?? null;
    if (!input || !output) {
      try {
        const op = await this.getBatch(ref.providerBatchId);
        input ??= inputFileName(op);
        output ??= responsesFile(op);
      } catch (error) {
        // A batch deleted meanwhile names no files any more: what is known is deleted.
        if ((error as { status?: unknown }).status !== 404) throw error;
      }
    }
    const names = new Set<string>();
    if (input?.startsWith('files/')) names.add(input);
    if (output?.startsWith('files/')) names.add(output);
    for (const name of names) await this.deleteFile(name);
  }

  private async deleteFile(name: string): Promise<void> {
    try {
      await this.rest.json('DELETE', `files/${encodeURIComponent(name.replace(/^files\//, ''))}`);
    } catch (error) {
      if (error instanceof GeminiApiError && error.status === 404) return;
      throw geminiCallError(error);
    }
  }

  private async getBatch(name: string): Promise<BatchOperation> {
    try {
      return await this.rest.json<BatchOperation>('GET', batchPath(name));
    } catch (error) {
      throw geminiCallError(error);
    }
  }
}

/** `batches/{id}` from a batch name, or from a bare id. */
function batchPath(name: string): string {
  return `batches/${encodeURIComponent(name.replace(/^batches\//, ''))}`;
}

/** `models/{id}`: the SDK's `tModel` prefixes bare ids the same way. */
function modelPath(model: string): string {
  return model.startsWith('models/') || model.startsWith('tunedModels/') ? model : `models/${model}`;
}

async function* asLines(items: unknown[]): AsyncIterable<string> {
  for (const item of items) yield JSON.stringify(item);
}
