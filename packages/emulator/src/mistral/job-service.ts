import { randomUUID } from 'node:crypto';
import { JsonlWriter } from '../core/jsonl-writer';
import type { EmulatorContext } from '../core/provider';
import { notFound, unprocessable } from './errors';
import type { FileRegistry } from './file-registry';
import { advance, cancel, type LifecycleHooks, nextTransitionAt } from './job-lifecycle';
import type { InlineRequest, JobParams } from './job-params';
import { planJob } from './job-plan';
import { doneCount } from './job-progress';
import { type JobRecord, TERMINAL_STATUSES } from './job-record';
import { writeJobResults } from './job-results';
import { renderJob } from './job-view';
import type { MistralSwitches } from './options';
import type { JobList, JobStatus, WireBatchJob } from './types';

export interface JobListQuery {
  page: number;
  pageSize: number;
  model?: string;
  agentId?: string;
  metadata: Record<string, string> | null;
  createdAfterMs?: number;
  statuses: JobStatus[];
  order: 'created' | '-created';
}

/**
 * Owns the batch jobs. State advances lazily when a job is read, and by a timer at each boundary so result
 * files are ready (and cancel/timeout cut-offs fixed) without anyone polling.
 */
export class JobService {
  private jobs = new Map<string, JobRecord>();
  /** Files holding inline requests: not in the file list, removed on reset. */
  private inlinePaths: string[] = [];
  private seq = 0;
  private readonly hooks: LifecycleHooks;

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly files: FileRegistry,
    switches: MistralSwitches,
  ) {
    this.hooks = {
      now: () => ctx.clock.now(),
      writeResults: (job, done, atMs) =>
        writeJobResults(job, done, atMs, {
          blobs: ctx.blobs,
          files,
          errorShape: switches.get().error_line_shape,
        }),
    };
  }

  async create(params: JobParams): Promise<WireBatchJob> {
    let requestPaths: string[];
    let requests: number;
    if (params.inlineRequests) {
      requestPaths = [await this.writeInline(params.inlineRequests)];
      requests = params.inlineRequests.length;
    } else {
      const inputs = params.inputFileIds.map((id) => {
        const file = this.files.get(id);
        // Seen live: an unknown input file is a 404 at create.
        if (!file) throw notFound(`File ${id} not found`);
        if (file.object.purpose !== 'batch') {
          throw unprocessable(`File ${id} has purpose '${file.object.purpose}', not 'batch'.`, 'input_files');
        }
        return file;
      });
      requestPaths = inputs.map((file) => file.path);
      requests = inputs.reduce((sum, file) => sum + (file.object.num_lines ?? 0), 0);
    }
    const faults = this.ctx.faults.forNewBatch('mistral');
    const now = this.ctx.clock.now();
    const job: JobRecord = {
      seq: this.seq++,
      id: randomUUID(),
      params: { ...params, inlineRequests: null },
      faults,
      stepMs: this.ctx.stepMs * faults.slowFactor,
      status: 'QUEUED',
      createdAtMs: now,
      runningAtMs: null,
      cancelRequestedAtMs: null,
      completedAtMs: null,
      requestPaths,
      plan: null,
      failure: null,
      planReadyAtMs: null,
      doneAtCancel: null,
      errors: [],
      outputFileId: null,
      errorFileId: null,
      writing: null,
      unschedule: null,
      discarded: false,
    };
    this.jobs.set(job.id, job);
    this.ctx.stats.add('mistral', { batches: 1, requests });
    const created = renderJob(job, now);
    this.plan(job).catch((error) =>
      console.error(`[emulator] could not read the requests of ${job.id}`, error),
    );
    return created;
  }

  async get(id: string): Promise<{ job: WireBatchJob; record: JobRecord }> {
    const record = this.find(id);
    await this.tick(record);
    return { job: renderJob(record, this.ctx.clock.now()), record };
  }

  resultPaths(record: JobRecord): string[] {
    const paths: string[] = [];
    for (const id of [record.outputFileId, record.errorFileId]) {
      const file = id ? this.files.get(id) : undefined;
      if (file) paths.push(file.path);
    }
    return paths;
  }

  async list(query: JobListQuery): Promise<JobList> {
    const all = [...this.jobs.values()];
    await Promise.all(all.map((job) => this.tick(job)));
    const now = this.ctx.clock.now();
    const matching = all
      .filter((job) => matches(job, query))
      .sort((a, b) => (query.order === 'created' ? a.seq - b.seq : b.seq - a.seq));
    const start = query.page * query.pageSize;
    return {
      data: matching.slice(start, start + query.pageSize).map((job) => renderJob(job, now)),
      object: 'list',
      total: matching.length,
    };
  }

  async cancel(id: string): Promise<WireBatchJob> {
    const job = this.find(id);
    await this.tick(job);
    const now = this.ctx.clock.now();
    cancel(job, now, doneCount(job, now));
    this.schedule(job);
    return renderJob(job, now);
  }

  /** `DELETE /v1/batch/jobs/{id}` (SDK v2; not in the public openapi): forgets the job, keeps its files. */
  delete(id: string): { id: string; object: 'batch'; deleted: true } {
    const job = this.find(id);
    job.discarded = true;
    job.unschedule?.();
    this.jobs.delete(id);
    return { id, object: 'batch', deleted: true };
  }

  /** Forgets every job; work still running for them is dropped. Returns the inline request files. */
  reset(): string[] {
    for (const job of this.jobs.values()) {
      job.discarded = true;
      job.unschedule?.();
    }
    this.jobs = new Map();
    this.seq = 0;
    const paths = this.inlinePaths;
    this.inlinePaths = [];
    return paths;
  }

  async close(): Promise<void> {
    const writing = [...this.jobs.values()].map((job) => job.writing);
    this.reset();
    await Promise.allSettled(writing);
  }

  private async writeInline(requests: InlineRequest[]): Promise<string> {
    const path = this.ctx.blobs.newPath('mistral-inline');
    this.inlinePaths.push(path);
    const writer = new JsonlWriter(path);
    for (const request of requests) {
      const waiting = writer.writeLine(JSON.stringify({ custom_id: request.customId, body: request.body }));
      if (waiting) await waiting;
    }
    await writer.close();
    return path;
  }

  private find(id: string): JobRecord {
    const job = this.jobs.get(id);
    if (!job) throw notFound(`Batch job ${id} not found`);
    return job;
  }

  private async plan(job: JobRecord): Promise<void> {
    const result = await planJob({
      seq: job.seq,
      paths: job.requestPaths,
      endpoint: job.params.endpoint,
      model: job.params.model,
      faults: job.faults,
      allowFailure: (customId, max) => this.ctx.faults.allowRequestFailure('mistral', customId, max),
    });
    if (job.discarded) return;
    if (result.ok) job.plan = result.plan;
    else job.failure = result.errors;
    job.planReadyAtMs = this.ctx.clock.now();
    await this.tick(job);
  }

  private async tick(job: JobRecord): Promise<void> {
    if (job.discarded || TERMINAL_STATUSES.has(job.status)) return;
    await advance(job, this.hooks);
    this.schedule(job);
  }

  private schedule(job: JobRecord): void {
    job.unschedule?.();
    job.unschedule = null;
    if (job.discarded) return;
    const at = nextTransitionAt(job);
    if (at === null) return;
    job.unschedule = this.ctx.scheduler.at(at, () => {
      this.tick(job).catch((error) => console.error(`[emulator] could not advance ${job.id}`, error));
    });
  }
}

function matches(job: JobRecord, query: JobListQuery): boolean {
  if (query.model !== undefined && job.params.model !== query.model) return false;
  // No emulated job runs on an agent.
  if (query.agentId !== undefined) return false;
  if (query.createdAfterMs !== undefined && job.createdAtMs < query.createdAfterMs) return false;
  if (query.statuses.length > 0 && !query.statuses.includes(job.status)) return false;
  if (query.metadata) {
    for (const [key, value] of Object.entries(query.metadata)) {
      if (job.params.metadata?.[key] !== value) return false;
    }
  }
  return true;
}
