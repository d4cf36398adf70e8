import { openAsBlob } from 'node:fs';
import OpenAI, { toFile } from 'openai';
import type { Batch } from 'openai/resources/batches';
import { classifyCallError } from '../errors';
import { PROVIDER_KINDS, PROVIDER_LIMITS } from '../limits';
import { parseJsonLine, readLines } from '../lines';
import { CHUNK_KEY_METADATA, JOB_ID_METADATA } from '../metadata';
import { parseCompatibleLine } from '../openai-compatible/parse-line';
import { compatibleBody } from '../openai-compatible/request-body';
import type {
  BatchAdapter,
  BatchContext,
  BatchRef,
  ExistingBatchQuery,
  JobKind,
  NormalizedResult,
  PollResult,
  SubmitRequest,
  SubmitResult,
  UnifiedRequest,
} from '../types';

export interface OpenAIAdapterOptions {
  apiKey: string;
  baseURL?: string;
  maxRetries?: number;
  timeoutMs?: number;
  /** Request files larger than this go through the Uploads API in parts of this size (OpenAI allows 64 MB). */
  uploadPartBytes?: number;
}

const DEFAULT_UPLOAD_PART_BYTES = 16 * 1024 * 1024;

const ENDPOINTS: Record<JobKind, '/v1/chat/completions' | '/v1/embeddings'> = {
  chat: '/v1/chat/completions',
  embedding: '/v1/embeddings',
};

const PHASES: Record<Batch['status'], PollResult['phase']> = {
  validating: 'validating',
  in_progress: 'running',
  finalizing: 'finalizing',
  cancelling: 'cancelling',
  completed: 'ended',
  failed: 'ended',
  expired: 'ended',
  cancelled: 'ended',
};

const OUTCOMES: Partial<Record<Batch['status'], PollResult['outcome']>> = {
  completed: 'completed',
  failed: 'failed',
  expired: 'expired',
  cancelled: 'cancelled',
};

// How far back to look for a batch created just before a crash: covers clock skew between us and the provider.
const ADOPT_SKEW_S = 300;

export class OpenAIAdapter implements BatchAdapter {
  readonly provider = 'openai' as const;
  readonly limits = PROVIDER_LIMITS.openai;
  readonly kinds = PROVIDER_KINDS.openai;
  private readonly client: OpenAI;
  private readonly uploadPartBytes: number;

  constructor(options: OpenAIAdapterOptions) {
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      maxRetries: options.maxRetries ?? 3,
      timeout: options.timeoutMs ?? 600_000,
    });
    this.uploadPartBytes = options.uploadPartBytes ?? DEFAULT_UPLOAD_PART_BYTES;
  }

  encodeLine(customId: string, request: UnifiedRequest, context: BatchContext): string {
    const url = ENDPOINTS[context.kind];
    const body = compatibleBody(request, context, {
      maxTokensField: 'max_completion_tokens',
      modelInBody: true,
    });
    return JSON.stringify({ custom_id: customId, method: 'POST', url, body });
  }

  async findExisting({
    chunkKey,
    createdAfter,
    knownBatchIds,
  }: ExistingBatchQuery): Promise<SubmitResult | null> {
    const since = Math.floor(createdAfter.getTime() / 1000) - ADOPT_SKEW_S;
    try {
      // Newest first: stop paging once batches are older than the chunk itself (and never adopt one that is).
      for await (const batch of this.client.batches.list({ limit: 100 })) {
        if (batch.created_at < since) break;
        if (batch.metadata?.[CHUNK_KEY_METADATA] === chunkKey && !knownBatchIds.has(batch.id)) {
          return { providerBatchId: batch.id, inputFileId: batch.input_file_id };
        }
      }
      return null;
    } catch (error) {
      throw classifyCallError('openai', error);
    }
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    try {
      const fileId = await this.uploadRequestFile(request);
      const batch = await this.client.batches.create({
        input_file_id: fileId,
        endpoint: ENDPOINTS[request.context.kind],
        completion_window: '24h',
        metadata: { [JOB_ID_METADATA]: request.context.jobId, [CHUNK_KEY_METADATA]: request.chunkKey },
      });
      return { providerBatchId: batch.id, inputFileId: fileId };
    } catch (error) {
      throw classifyCallError('openai', error);
    }
  }

  /**
   * The SDK assembles a multipart body in memory whatever the source, so a large file goes up through the Uploads
   * API one bounded part at a time: the worker's memory holds one part, not the file.
   */
  private async uploadRequestFile(request: SubmitRequest): Promise<string> {
    const filename = `${request.chunkKey}.jsonl`;
    const blob = await openAsBlob(request.filePath, { type: 'application/jsonl' });
    if (request.bytes <= this.uploadPartBytes) {
      const file = await this.client.files.create({
        file: await toFile(blob, filename, { type: 'application/jsonl' }),
        purpose: 'batch',
      });
      return file.id;
    }
    const upload = await this.client.uploads.create({
      bytes: blob.size,
      filename,
      mime_type: 'application/jsonl',
      purpose: 'batch',
    });
    const partIds: string[] = [];
    for (let offset = 0; offset < blob.size; offset += this.uploadPartBytes) {
      const slice = blob.slice(offset, Math.min(offset + this.uploadPartBytes, blob.size));
      const part = await this.client.uploads.parts.create(upload.id, {
        data: await toFile(slice, `${filename}.part${partIds.length}`),
      });
      partIds.push(part.id);
    }
    const completed = await this.client.uploads.complete(upload.id, { part_ids: partIds });
    if (!completed.file) throw new Error(`openai upload ${upload.id} completed without a file`);
    return completed.file.id;
  }

  async poll(ref: BatchRef): Promise<PollResult> {
    let batch: Batch;
    try {
      batch = await this.client.batches.retrieve(ref.providerBatchId);
    } catch (error) {
      throw classifyCallError('openai', error);
    }
    return {
      phase: PHASES[batch.status] ?? 'running',
      outcome: OUTCOMES[batch.status],
      providerStatus: batch.status,
      counts: {
        total: batch.request_counts?.total ?? 0,
        completed: batch.request_counts?.completed ?? 0,
        failed: batch.request_counts?.failed ?? 0,
      },
      outputFileId: batch.output_file_id ?? null,
      errorFileId: batch.error_file_id ?? null,
      failures: batch.errors?.data?.map((e) => ({
        code: e.code ?? 'unknown',
        message: e.message ?? '',
        line: e.line ?? null,
      })),
    };
  }

  async *fetchResults(ref: BatchRef, context: BatchContext): AsyncIterable<NormalizedResult> {
    for (const fileId of [ref.outputFileId, ref.errorFileId]) {
      if (!fileId) continue;
      let response: Response;
      try {
        response = await this.client.files.content(fileId);
      } catch (error) {
        throw classifyCallError('openai', error);
      }
      if (!response.body) continue;
      for await (const line of readLines(response.body)) {
        yield parseCompatibleLine(parseJsonLine(line, `openai file ${fileId}`), context);
      }
    }
  }

  async cancel(ref: BatchRef): Promise<void> {
    try {
      await this.client.batches.cancel(ref.providerBatchId);
    } catch (error) {
      const classified = classifyCallError('openai', error);
      // A batch that already ended cannot be cancelled; that is the state we wanted anyway.
      if (classified.status === 400 || classified.status === 409) return;
      throw classified;
    }
  }

  async cleanup(ref: BatchRef & { inputFileId?: string | null }): Promise<void> {
    for (const fileId of [ref.inputFileId, ref.outputFileId, ref.errorFileId]) {
      if (!fileId) continue;
      try {
        await this.client.files.delete(fileId);
      } catch (error) {
        const classified = classifyCallError('openai', error);
        if (classified.status !== 404) throw classified;
      }
    }
  }
}
