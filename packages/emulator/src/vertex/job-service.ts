import type { EmulatorContext } from '../core/provider';
import type { GcsObjectStore } from '../gcs/object-store';
import { failedPrecondition, invalidArgument, notFound } from './google-errors';
import { newJobId, newOperationId, projectNumberFor } from './ids';
import { pinInputs, resolveInputs } from './input-objects';
import { advance, cancel, type LifecycleHooks, nextTransitionAt } from './job-lifecycle';
import { writeJobOutputs } from './job-outputs';
import { parseJobParams } from './job-params';
import { planJob } from './job-plan';
import { type JobRecord, TERMINAL_STATES } from './job-record';
import { jobName, renderJob } from './job-view';
import { parseJobFilter } from './list-filter';
import type { VertexOptions } from './options';
import { timestamp } from './proto-json';
import type { WireBatchPredictionJob, WireJobList, WireOperation } from './wire-types';

export interface Scope {
  project: string;
  location: string;
}

export interface ListQuery {
  pageSize: number;
  pageToken: string | null;
  filter: string | null;
}

/**
 * Owns the batch prediction jobs. State advances lazily when a job is read, and by a timer at each boundary so
 * outputs are written (and cancel/expiry cut-offs fixed) without anyone polling.
 */
export class VertexJobService {
  private jobs = new Map<string, JobRecord>();
  private seq = 0;
  private readonly hooks: LifecycleHooks;

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly store: GcsObjectStore,
    private readonly options: () => VertexOptions,
  ) {
    this.hooks = {
      now: () => ctx.clock.now(),
      writeOutputs: (job, done) =>
        writeJobOutputs(job, done, { blobs: ctx.blobs, store }).catch((error) =>
          console.error(`[emulator] could not write the outputs of vertex job ${job.id}`, error),
        ),
      ended: (job) => this.releaseInputs(job),
    };
  }

  async create(scope: Scope, body: unknown): Promise<WireBatchPredictionJob> {
    const params = parseJobParams(body);
    const objects = resolveInputs(this.store, params.inputUris);
    const faults = this.ctx.faults.forNewBatch('vertex');
    const now = this.ctx.clock.now();
    const id = newJobId();
    const job: JobRecord = {
      seq: this.seq++,
      id,
      projectNumber: projectNumberFor(scope.project),
      location: scope.location,
      params,
      faults,
      options: { ...this.options() },
      stepMs: this.ctx.stepMs * faults.slowFactor,
      state: 'JOB_STATE_PENDING',
      createdAtMs: now,
      startedAtMs: null,
      cancellingAtMs: null,
      endedAtMs: null,
      updatedAtMs: now,
      plan: null,
      failure: null,
      planReadyAtMs: null,
      doneAtCancel: null,
      outputDirectory: null,
      inputLinks: [],
      writing: null,
      unschedule: null,
      discarded: false,
    };
    this.jobs.set(id, job);
    this.ctx.stats.add('vertex', {
      batches: 1,
      requests: objects.reduce((sum, object) => sum + object.lines, 0),
    });
    const rendered = renderJob(job, now);
    this.plan(job, objects).catch((error) =>
      console.error(`[emulator] could not plan vertex job ${id}`, error),
    );
    return rendered;
  }

  async get(scope: Scope, id: string): Promise<WireBatchPredictionJob> {
    const job = this.find(scope, id);
    await this.tick(job);
    return renderJob(job, this.ctx.clock.now());
  }

  /** Newest first; the page token is the position after the last job of the previous page. */
  async list(scope: Scope, query: ListQuery): Promise<WireJobList> {
    const matches = parseJobFilter(query.filter);
    const projectNumber = projectNumberFor(scope.project);
    const all = [...this.jobs.values()].filter(
      (job) => job.projectNumber === projectNumber && job.location === scope.location,
    );
    await Promise.all(all.map((job) => this.tick(job)));
    const now = this.ctx.clock.now();
    const after = query.pageToken === null ? null : decodePageToken(query.pageToken);
    const selected = all
      .filter((job) => (after === null || job.seq < after) && matches(job))
      .sort((a, b) => b.seq - a.seq);
    const page = selected.slice(0, query.pageSize);
    const body: WireJobList = {};
    if (page.length > 0) body.batchPredictionJobs = page.map((job) => renderJob(job, now));
    if (selected.length > page.length) body.nextPageToken = encodePageToken(page.at(-1)!.seq);
    return body;
  }

  async cancel(scope: Scope, id: string): Promise<Record<string, never>> {
    const job = this.find(scope, id);
    await this.tick(job);
    cancel(job, this.ctx.clock.now(), jobName(job));
    this.schedule(job);
    return {};
  }

  delete(scope: Scope, id: string): WireOperation {
    const job = this.find(scope, id);
    if (!TERMINAL_STATES.has(job.state)) {
      throw failedPrecondition(
        `Batch prediction job ${jobName(job)} is in state ${job.state}; cancel it before deleting.`,
      );
    }
    this.discard(job);
    this.jobs.delete(job.id);
    const now = timestamp(this.ctx.clock.now());
    return {
      name: `projects/${job.projectNumber}/locations/${job.location}/operations/${newOperationId()}`,
      metadata: {
        '@type': 'type.googleapis.com/google.cloud.aiplatform.v1.DeleteOperationMetadata',
        genericMetadata: { createTime: now, updateTime: now },
      },
      done: true,
      response: { '@type': 'type.googleapis.com/google.protobuf.Empty' },
    };
  }

  /** Forgets every job; work still running for them is dropped. */
  reset(): void {
    for (const job of this.jobs.values()) this.discard(job);
    this.jobs = new Map();
    this.seq = 0;
  }

  async close(): Promise<void> {
    const writing = [...this.jobs.values()].map((job) => job.writing);
    this.reset();
    await Promise.allSettled(writing);
  }

  private find(scope: Scope, id: string): JobRecord {
    const job = this.jobs.get(id);
    if (!job || job.projectNumber !== projectNumberFor(scope.project) || job.location !== scope.location) {
      throw notFound(
        `The BatchPredictionJob does not exist: projects/${scope.project}/locations/${scope.location}/batchPredictionJobs/${id}`,
      );
    }
    return job;
  }

  private async plan(job: JobRecord, objects: ReturnType<typeof resolveInputs>): Promise<void> {
    const files = await pinInputs(objects, this.ctx.blobs, job.id);
    job.inputLinks = files.map((file) => file.path);
    if (job.discarded) {
      this.releaseInputs(job);
      return;
    }
    const result = await planJob({
      seq: job.seq,
      params: job.params,
      files,
      faults: job.faults,
      allowFailure: (identity, max) => this.ctx.faults.allowRequestFailure('vertex', identity, max),
    });
    if (job.discarded) {
      this.releaseInputs(job);
      return;
    }
    if (result.ok) job.plan = result.plan;
    else job.failure = result.message;
    job.planReadyAtMs = this.ctx.clock.now();
    await this.tick(job);
  }

  private async tick(job: JobRecord): Promise<void> {
    if (job.discarded || TERMINAL_STATES.has(job.state)) return;
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
      this.tick(job).catch((error) =>
        console.error(`[emulator] could not advance vertex job ${job.id}`, error),
      );
    });
  }

  private discard(job: JobRecord): void {
    job.discarded = true;
    job.unschedule?.();
    // Outputs still being written read the inputs; they stop at the next row and clean up after themselves.
    if (job.writing) void job.writing.finally(() => this.releaseInputs(job));
    else this.releaseInputs(job);
  }

  private releaseInputs(job: JobRecord): void {
    const links = job.inputLinks;
    job.inputLinks = [];
    for (const path of links) void this.ctx.blobs.remove(path).catch(() => undefined);
  }
}

export function parsePageSize(raw: string | null): number {
  if (raw === null || raw === '') return 100;
  const size = Number(raw);
  if (!Number.isInteger(size) || size < 0) throw invalidArgument(`Invalid page_size: ${raw}`);
  return size === 0 ? 100 : Math.min(size, 1000);
}

function encodePageToken(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

function decodePageToken(token: string): number {
  const match = /^seq:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match) throw invalidArgument('Invalid page_token.');
  return Number(match[1]);
}
