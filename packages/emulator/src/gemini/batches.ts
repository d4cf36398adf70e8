import { readFile } from 'node:fs/promises';
import {
  type BatchRun,
  type CompletionPlan,
  type EngineBatch,
  type PlanOutcome,
  type Stage,
  stageOf,
} from '../core/batch-engine/batch';
import { BatchEngine } from '../core/batch-engine/engine';
import { batchRng, completionPlan, requestErrorDraw } from '../core/batch-engine/plan';
import { progressAt } from '../core/batch-engine/progress';
import { inCompletionOrder, ResultFiles } from '../core/batch-engine/results';
import { randomBase62 } from '../core/ids';
import { writeJsonlFile } from '../core/jsonl-writer';
import type { EmulatorContext } from '../core/provider';
import { googleErrorBody, statusName } from '../vertex/google-errors';
import { int64, isRecord, type Json, timestamp } from '../vertex/proto-json';
import { failedPrecondition, invalidArgument, notFound } from './errors';
import type { GeminiFiles } from './files';
import type { GeminiSwitches } from './options';
import {
  type BatchKind,
  chatResponse,
  checkRequest,
  embeddingResponse,
  type Row,
  schemaProblem,
} from './rows';

/** "Total request size under 20MB" for inline requests (the batch guide). */
export const MAX_INLINE_BYTES = 20_000_000;

export type BatchState =
  | 'BATCH_STATE_PENDING'
  | 'BATCH_STATE_RUNNING'
  | 'BATCH_STATE_SUCCEEDED'
  | 'BATCH_STATE_FAILED'
  | 'BATCH_STATE_CANCELLED'
  | 'BATCH_STATE_EXPIRED';

interface GeminiPlan extends CompletionPlan {
  rows: Row[];
  /** HTTP status of a failed row, 0 for a row that succeeds. */
  failStatus: Uint16Array;
  corrupt: Uint8Array;
}

export interface GeminiBatch extends EngineBatch<GeminiPlan, string> {
  kind: BatchKind;
  /** `models/…`. */
  model: string;
  displayName: string;
  priority: string | null;
  /** `files/…` of a file batch; null for an inline one. */
  inputFileName: string | null;
  inputPath: string;
  /** Requests counted at create, before the plan. */
  requestCount: number;
  baseUrl: string;
  outputFileName: string | null;
  inlineResponses: Json[] | null;
}

const STATE: Record<Stage, BatchState> = {
  starting: 'BATCH_STATE_PENDING',
  running: 'BATCH_STATE_RUNNING',
  finalizing: 'BATCH_STATE_RUNNING',
  // There is no CANCELLING state: the batch reads RUNNING until it is CANCELLED.
  cancelling: 'BATCH_STATE_RUNNING',
  completed: 'BATCH_STATE_SUCCEEDED',
  failed: 'BATCH_STATE_FAILED',
  expired: 'BATCH_STATE_EXPIRED',
  cancelled: 'BATCH_STATE_CANCELLED',
};

export interface CreateInput {
  kind: BatchKind;
  model: string;
  batch: Json;
  baseUrl: string;
  /** Bytes of the create call, counted for an inline batch (its requests came in it). */
  bytes: number;
}

/** The Developer API's batches (`batches/{id}`) on the shared engine. */
export class GeminiBatches {
  private readonly engine: BatchEngine<GeminiBatch>;
  private inlinePaths: string[] = [];

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly files: GeminiFiles,
    private readonly switches: GeminiSwitches,
  ) {
    this.engine = new BatchEngine<GeminiBatch>(ctx, {
      provider: 'gemini',
      profile: { finalizing: false, cancelBeforeRunning: 'cancelling' },
      newId: () => randomBase62(36).toLowerCase(),
      notFound: (id) => notFound(`Batch batches/${id} not found.`),
      writeResults: (batch, run) => this.writeResults(batch, run),
      // Cancelling again is harmless; any other ended batch is refused (the real answer is UNCONFIRMED).
      refuseCancel: (batch) =>
        batch.end === 'cancelled'
          ? null
          : failedPrecondition(`Batch batches/${batch.id} is already ${state(batch)}.`),
    });
  }

  async create(input: CreateInput): Promise<Json> {
    const { batch } = input;
    const displayName = batch.displayName ?? batch.display_name;
    if (typeof displayName !== 'string' || displayName === '')
      throw invalidArgument('batch.display_name is required.');
    const config = batch.inputConfig ?? batch.input_config;
    if (!isRecord(config)) throw invalidArgument('batch.input_config is required.');
    const fileName = config.fileName ?? config.file_name;
    const inline = isRecord(config.requests) ? config.requests.requests : undefined;
    if ((fileName === undefined) === (inline === undefined))
      throw invalidArgument('batch.input_config must set exactly one of file_name and requests.');
    let inputPath: string;
    let requestCount: number;
    if (fileName !== undefined) {
      const file = this.files.require(String(fileName));
      inputPath = file.path;
      requestCount = file.lines;
    } else {
      if (!Array.isArray(inline) || inline.length === 0)
        throw invalidArgument('batch.input_config.requests is empty.');
      inputPath = await this.writeInline(inline);
      requestCount = inline.length;
    }
    if (requestCount === 0) throw invalidArgument('The batch input has no requests.');
    const priority = batch.priority;
    const created = this.engine.create({
      fields: {
        kind: input.kind,
        model: input.model,
        displayName,
        priority: priority === undefined ? null : String(priority),
        inputFileName: fileName === undefined ? null : `files/${String(fileName).replace(/^files\//, '')}`,
        inputPath,
        requestCount,
        baseUrl: input.baseUrl,
        outputFileName: null,
        inlineResponses: null,
      },
      requests: requestCount,
      bytes: fileName === undefined ? input.bytes : 0,
      plan: (b) => this.plan(b),
    });
    const op = this.render(created, this.ctx.clock.now());
    // The create answer is the Operation with only `name` and `metadata` [LIVE-1].
    return { name: op.name, metadata: op.metadata };
  }

  async get(id: string): Promise<Json> {
    return this.render(await this.engine.get(id), this.ctx.clock.now());
  }

  /** Newest first; `pageToken` is an offset. A `filter` is ignored (what the API supports is UNCONFIRMED). */
  async list(pageSize: number, pageToken: string | undefined): Promise<Json> {
    const all = await this.engine.list();
    const start = Number(pageToken ?? 0) || 0;
    const now = this.ctx.clock.now();
    const body: Json = { operations: all.slice(start, start + pageSize).map((b) => this.render(b, now)) };
    if (start + pageSize < all.length) body.nextPageToken = String(start + pageSize);
    return body;
  }

  async cancel(id: string): Promise<Json> {
    await this.engine.cancel(this.engine.require(id));
    return {};
  }

  delete(id: string): Json {
    this.engine.forget(this.engine.require(id));
    return {};
  }

  reset(): string[] {
    this.engine.reset();
    const paths = this.inlinePaths;
    this.inlinePaths = [];
    return paths;
  }

  close(): Promise<void> {
    return this.engine.close();
  }

  private async writeInline(requests: unknown[]): Promise<string> {
    const path = this.ctx.blobs.newPath('gemini-inline');
    this.inlinePaths.push(path);
    await writeJsonlFile(
      path,
      requests.map((item) => {
        const record = isRecord(item) ? item : {};
        return JSON.stringify({ request: record.request, metadata: record.metadata });
      }),
    );
    return path;
  }

  /** Reads the input once. A line that is not JSON or names an unknown field fails the batch. */
  private async plan(batch: GeminiBatch): Promise<PlanOutcome<GeminiPlan, string>> {
    const { faults, seq } = batch;
    if (faults.failValidation)
      return { ok: false, failure: 'Failed to validate the batch input (injected fault).' };
    let text: string;
    try {
      text = await readFile(batch.inputPath, 'utf8');
    } catch (error) {
      return { ok: false, failure: `The input could not be read: ${(error as Error).message}` };
    }
    const modelId = batch.model.replace(/^models\//, '');
    const rows: Row[] = [];
    const problems: string[] = [];
    let number = 0;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      number += 1;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        problems.push(`Error on line ${number}: invalid JSON, near column 1`);
        continue;
      }
      if (!isRecord(value)) {
        problems.push(`Error on line ${number}: invalid JSON, expected an object`);
        continue;
      }
      const problem = schemaProblem(batch.kind, value.request);
      if (problem) {
        problems.push(`Error on line ${number}: ${problem}`);
        continue;
      }
      const inline = batch.inputFileName === null;
      rows.push(
        checkRequest(
          batch.kind,
          modelId,
          value.request as Json,
          inline ? undefined : value.key,
          inline ? value.metadata : undefined,
        ),
      );
    }
    if (problems.length > 0) return { ok: false, failure: problems.slice(0, 5).join('\n') };
    if (rows.length === 0) return { ok: false, failure: 'The batch input has no requests.' };
    const draw = requestErrorDraw(faults, this.ctx.faults, 'gemini', seq);
    const jsonRng = batchRng(faults.seed, 'gemini', seq, 'invalid-json');
    const failStatus = new Uint16Array(rows.length);
    const corrupt = new Uint8Array(rows.length);
    rows.forEach((row, i) => {
      if (row.kind === 'invalid') {
        failStatus[i] = 400;
        return;
      }
      if (row.kind === 'chat' && row.format.type !== 'text' && faults.invalidJsonRate > 0)
        corrupt[i] = jsonRng.next() < faults.invalidJsonRate ? 1 : 0;
      failStatus[i] = draw(row.identity) ?? 0;
    });
    const order = batchRng(faults.seed, 'gemini', seq, 'order');
    const plan = completionPlan([...failStatus], (status) => status !== 0, order);
    return { ok: true, plan: { ...plan, rows, failStatus, corrupt } };
  }

  /**
   * A file batch gets a responses file (`files/batch-…`), an inline one `inlinedResponses`, both in completion
   * order (the order is not reliable on the real API either). An expired batch has no results (the guide).
   */
  private async writeResults(batch: GeminiBatch, run: BatchRun): Promise<void> {
    if (run.reason === 'expired') return;
    const plan = batch.plan!;
    const modelId = batch.model.replace(/^models\//, '');
    const answer = {
      model: modelId,
      cachedFraction: batch.faults.cachedFraction,
      nulAnswers: batch.faults.nulAnswers,
    };
    const rpcCodes = this.switches.get().row_error_code === 'rpc';
    const item = (index: number): Json => {
      const row = plan.rows[index]!;
      const status = plan.failStatus[index]!;
      let result: Json;
      if (status !== 0) {
        const body = googleErrorBody(status, row.kind === 'invalid' ? row.message : undefined).error;
        result = {
          error: { code: rpcCodes ? (RPC[statusName(status)] ?? 2) : status, message: body.message },
        };
      } else if (row.kind === 'chat') {
        result = { response: chatResponse(row, plan.corrupt[index] === 1, answer) };
      } else if (row.kind === 'embedding') {
        result = { response: embeddingResponse(row, answer) };
      } else {
        result = { error: { code: 400, message: row.message } };
      }
      return result;
    };
    if (batch.inputFileName === null) {
      const items: Json[] = [];
      await inCompletionOrder(batch, run, {
        ran: (index) => {
          const row = plan.rows[index]!;
          items.push(row.metadata === undefined ? item(index) : { ...item(index), metadata: row.metadata });
        },
      });
      if (!batch.discarded) batch.inlineResponses = items;
      return;
    }
    const files = new ResultFiles(this.ctx.blobs, batch, 'gemini', ['responses'] as const);
    await inCompletionOrder(batch, run, {
      ran: (index) =>
        files.write('responses', JSON.stringify({ ...item(index), key: plan.rows[index]!.key })),
    });
    const written = (await files.close()).responses;
    if (!written) return;
    const file = this.files.addFile(
      written.path,
      written.bytes,
      written.lines,
      { id: `batch-${batch.id}`, mimeType: 'application/jsonl', source: 'GENERATED' },
      batch.baseUrl,
    );
    batch.outputFileName = file.name;
  }

  /** The Operation: `done`, `error` and `response` only at the end; zero counters left out. */
  private render(batch: GeminiBatch, now: number): Json {
    const name = `batches/${batch.id}`;
    const embed = batch.kind === 'embedding';
    const st = state(batch);
    const metadata: Json = {
      '@type': `type.googleapis.com/google.ai.generativelanguage.v1main.${embed ? 'EmbedContentBatch' : 'GenerateContentBatch'}`,
      model: batch.model,
      displayName: batch.displayName,
    };
    if (batch.inputFileName) metadata.inputConfig = { fileName: batch.inputFileName };
    metadata.createTime = timestamp(batch.at.created);
    const { at } = batch;
    metadata.updateTime = timestamp(at.ended ?? at.cancelling ?? at.running ?? at.created);
    if (at.ended !== null) metadata.endTime = timestamp(at.ended);
    metadata.batchStats = batchStats(batch, now);
    metadata.state = st;
    metadata.name = name;
    if (batch.priority !== null && batch.priority !== '0') metadata.priority = batch.priority;
    const op: Json = { name, metadata };
    if (batch.phase !== 'ended') return op;
    const output = this.output(batch);
    if (output) metadata.output = output;
    op.done = true;
    if (st === 'BATCH_STATE_FAILED') {
      op.error = { code: RPC.INVALID_ARGUMENT, message: batch.failure ?? 'The batch failed.' };
    } else if (output) {
      op.response = {
        '@type': `type.googleapis.com/google.ai.generativelanguage.v1main.${embed ? 'EmbedContentBatchOutput' : 'GenerateContentBatchOutput'}`,
        ...output,
      };
    }
    return op;
  }

  private output(batch: GeminiBatch): Json | null {
    if (batch.outputFileName) return { responsesFile: batch.outputFileName };
    if (batch.inlineResponses) return { inlinedResponses: { inlinedResponses: batch.inlineResponses } };
    return null;
  }
}

const RPC: Record<string, number> = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
};

export function state(batch: GeminiBatch): BatchState {
  return STATE[stageOf(batch)];
}

/** int64 strings, zeros left out; before the plan, every request is pending. */
function batchStats(batch: GeminiBatch, now: number): Json {
  const progress = progressAt(batch, now);
  const total = progress?.total ?? batch.requestCount;
  const done = progress?.done ?? 0;
  const failed = progress?.failed ?? 0;
  const stats: Json = {};
  const put = (key: string, value: number) => {
    const text = int64(value);
    if (text) stats[key] = text;
  };
  put('requestCount', total);
  put('successfulRequestCount', done - failed);
  put('failedRequestCount', failed);
  put('pendingRequestCount', batch.end === 'failed' ? 0 : total - done);
  return stats;
}
