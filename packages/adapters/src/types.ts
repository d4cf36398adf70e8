// The list of providers is part of the API's contract (a job's `provider`): defined there, used here.
export { CHAT_APIS, type ChatApi, PROVIDERS, type Provider } from '@tranche/contracts';

import type { ChatApi, Provider } from '@tranche/contracts';

export type JobKind = 'chat' | 'embedding';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface RequestParams {
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string[];
  /** Embeddings: the vector size asked for (else the model's own). */
  dimensions?: number;
}

/** One input after intake: provider-neutral, stored as `inputs.request`. */
export interface UnifiedRequest {
  system?: string;
  messages?: ChatMessage[];
  /** Embedding input. */
  text?: string;
  params?: RequestParams;
}

export interface OutputSchema {
  name: string;
  schema: Record<string, unknown>;
}

/** What every request of one provider batch shares. */
export interface BatchContext {
  jobId: string;
  model: string;
  kind: JobKind;
  output?: OutputSchema;
  /** Embeddings on a provider that sizes vectors per batch job (Vertex): the job's `defaults.params.dimensions`. */
  dimensions?: number;
  /**
   * A chat job's `options.chat_api`, when it chose one its provider's descriptor offers (`chatApis`); unset, the
   * provider's own chat API.
   */
  chatApi?: ChatApi;
}

export type ErrorType =
  | 'invalid_request'
  | 'rate_limited'
  | 'server_error'
  | 'expired'
  | 'cancelled'
  | 'invalid_output'
  | 'content_filtered'
  | 'unknown';

export interface NormalizedError {
  type: ErrorType;
  code: string | null;
  message: string;
  retryable: boolean;
}

/**
 * Tokens as billed, the same meaning on every provider: `inputTokens` is the whole prompt, cache reads
 * (`cachedTokens`) and cache writes (`cacheWriteTokens`) included; `outputTokens` includes reasoning tokens.
 */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  /** The provider's own usage object, kept verbatim. */
  raw: Record<string, unknown>;
}

export interface ResultOutput {
  text?: string;
  json?: unknown;
  /** float32, as the providers compute them; stored as their 4-byte little-endian values. */
  embedding?: Float32Array;
  finishReason?: string | null;
}

export type NormalizedResult =
  | { customId: string; status: 'succeeded'; output: ResultOutput; usage: Usage | null }
  | { customId: string; status: 'failed'; error: NormalizedError; usage: Usage | null };

/** A result line an adapter could not read, named by where it is, never by what it holds. */
export interface UnreadableLine {
  /** The result file as the provider names it: a file id, a GCS URI, a batch's results. */
  file: string;
  /** 1-based, counting the file's non-blank lines. */
  line: number;
  /** Recovered from the line when possible; null makes the line `unknown` (it fails no input). */
  customId: string | null;
  /** What was wrong, in our words: never a piece of the line. */
  problem: string;
}

export interface ProviderLimits {
  maxRequests: number;
  maxBytes: number;
  /**
   * The fewest requests one batch may hold, when the provider refuses fewer (AWS Bedrock: 100 records a job). Intake
   * refuses a smaller job, the planner cuts no smaller chunk, and inputs left over below it (a small retry round)
   * fail with that reason instead of being sent.
   */
  minRequests?: number;
}

/** A provider batch as the worker knows it: enough to poll, fetch and cancel it. */
export interface BatchRef {
  providerBatchId: string;
  outputFileId?: string | null;
  errorFileId?: string | null;
}

export type BatchPhase = 'validating' | 'running' | 'finalizing' | 'cancelling' | 'ended';
export type BatchOutcome = 'completed' | 'failed' | 'expired' | 'cancelled';

export interface BatchFailureReason {
  code: string;
  message: string;
  /** 1-based line of the request file the provider blamed, when it says. */
  line?: number | null;
}

export interface PollResult {
  phase: BatchPhase;
  outcome?: BatchOutcome;
  providerStatus: string;
  counts: { total: number; completed: number; failed: number };
  outputFileId?: string | null;
  errorFileId?: string | null;
  /** Why the whole batch failed (validation), when it did. */
  failures?: BatchFailureReason[];
}

export interface SubmitRequest {
  context: BatchContext;
  chunkKey: string;
  /** A file of lines produced by `encodeLine`, one per request. */
  filePath: string;
  requestCount: number;
  bytes: number;
  /**
   * Set when an earlier attempt at this chunk may have reached the provider (the chunk was planned then): what it
   * uploaded (no sooner, less clock skew) is looked for and used rather than uploaded again.
   */
  earlierAttemptsSince?: Date;
}

export interface ExistingBatchQuery {
  chunkKey: string;
  /** When the chunk was planned: a batch created for it cannot be older. */
  createdAfter: Date;
  requestCount: number;
  /** Provider batch ids Tranche already recorded for other chunks: never adopt one of those. */
  knownBatchIds: ReadonlySet<string>;
}

export interface SubmitResult {
  providerBatchId: string;
  inputFileId?: string | null;
  /** What the provider said of the batch it accepted (Together's create `warning`): the worker logs it. */
  warning?: string;
}

/**
 * A batch `findExisting` found, and how it was recognised: `chunk_key` when the provider holds the chunk key (in
 * metadata, a display name, a label), so the batch is the chunk's; `size` when the provider keeps nothing of ours
 * (Anthropic) and the batch was picked by its size and creation time only. A `size` adoption may be another chunk's
 * batch: the worker proves it by its results' custom ids before using any of it.
 */
export interface ExistingBatch extends SubmitResult {
  recognisedBy: 'chunk_key' | 'size';
}

/** How one provider's batch API is called: everything a batch needs after its request file is written. */
export interface BatchTransport {
  /** Finds a batch created earlier for this chunk (a crash between create and record), if any. */
  findExisting(query: ExistingBatchQuery): Promise<ExistingBatch | null>;
  submit(request: SubmitRequest): Promise<SubmitResult>;
  poll(ref: BatchRef): Promise<PollResult>;
  /**
   * Every result line the provider returned, in the provider's order. A line that cannot be read is a failed
   * `malformed_line` result when its custom id can be recovered; every such line, with an id or without one, is
   * also reported to `onUnreadable` (by place, never by content).
   */
  fetchResults(
    ref: BatchRef,
    context: BatchContext,
    onUnreadable?: (line: UnreadableLine) => void,
  ): AsyncIterable<NormalizedResult>;
  cancel(ref: BatchRef): Promise<void>;
  /** Objects the provider keeps for us (uploaded and output files) that can go once results are stored. */
  cleanup?(ref: BatchRef & { inputFileId?: string | null }): Promise<void>;
}

/** A provider as the worker uses it: its descriptor's name, limits, kinds and encoder over its transport. */
export interface BatchAdapter extends BatchTransport {
  readonly provider: Provider;
  readonly limits: ProviderLimits;
  readonly kinds: readonly JobKind[];
  /** One request as one line of the request file (no trailing newline). */
  encodeLine(customId: string, request: UnifiedRequest, context: BatchContext): string;
}
