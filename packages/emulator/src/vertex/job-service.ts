import { BatchEngine } from '../core/batch-engine/engine';
import { requestErrorDraw } from '../core/batch-engine/plan';
import type { EmulatorContext } from '../core/provider';
import type { GcsObjectStore, StoredObject } from '../gcs/object-store';
import { failedPrecondition, invalidArgument, notFound } from './google-errors';
import { newJobId, newOperationId, projectNumberFor } from './ids';
import { pinInputs, resolveInputs } from './input-objects';
import { writeJobOutputs } from './job-outputs';
import { parseJobParams } from './job-params';
import { type PlanResult, planJob } from './job-plan';
import type { VertexJob } from './job-record';
import { jobName, jobState, renderJob } from './job-view';
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

/** Batch prediction jobs: inputs read from GCS (pinned while the job needs them), outputs written into it. */
export class VertexJobService {
  private readonly engine: BatchEngine<VertexJob>;

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly store: GcsObjectStore,
    private readonly options: () => VertexOptions,
  ) {
    this.engine = new BatchEngine<VertexJob>(ctx, {
      provider: 'vertex',
      profile: { finalizing: false, cancelBeforeRunning: 'cancelling' },
      newId: newJobId,
      writeResults: (job, run) => writeJobOutputs(job, run, { blobs: ctx.blobs, store }),
      // Our reading of the API: a job that ended, cancelled or not, cannot be cancelled.
      refuseCancel: (job) =>
        failedPrecondition(
          `Batch prediction job ${jobName(job)} is in state ${jobState(job)} and cannot be cancelled.`,
        ),
      onRunning: (job) => {
        job.outputDirectory = `${job.params.outputUriPrefix}/prediction-model-${directoryTimestamp(job.at.running!)}`;
      },
      onEnded: (job) => this.releaseInputs(job),
      // Outputs still being written read the inputs; they stop at the next row and clean up after themselves.
      onForgotten: (job) => {
        if (job.writing) void job.writing.finally(() => this.releaseInputs(job));
        else this.releaseInputs(job);
      },
    });
  }

  async create(scope: Scope, body: unknown): Promise<WireBatchPredictionJob> {
    const params = parseJobParams(body);
    refuseOnGlobal(scope, params.model);
    const objects = resolveInputs(this.store, params.inputUris);
    const job = this.engine.create({
      fields: {
        projectNumber: projectNumberFor(scope.project),
        location: scope.location,
        params,
        options: { ...this.options() },
        outputDirectory: null,
        inputLinks: [],
      },
      requests: objects.reduce((sum, object) => sum + object.lines, 0),
      plan: (job) => this.plan(job, objects),
    });
    return renderJob(job, job.at.created);
  }

  async get(scope: Scope, id: string): Promise<WireBatchPredictionJob> {
    const job = await this.engine.refresh(this.find(scope, id));
    return renderJob(job, this.ctx.clock.now());
  }

  /** Newest first; the page token is the position after the last job of the previous page. */
  async list(scope: Scope, query: ListQuery): Promise<WireJobList> {
    const matches = parseJobFilter(query.filter);
    const projectNumber = projectNumberFor(scope.project);
    const inScope = await this.engine.list(
      (job) => job.projectNumber === projectNumber && job.location === scope.location,
    );
    const now = this.ctx.clock.now();
    const after = query.pageToken === null ? null : decodePageToken(query.pageToken);
    const selected = inScope.filter((job) => (after === null || job.seq < after) && matches(job));
    const page = selected.slice(0, query.pageSize);
    const body: WireJobList = {};
    if (page.length > 0) body.batchPredictionJobs = page.map((job) => renderJob(job, now));
    if (selected.length > page.length) body.nextPageToken = encodePageToken(page.at(-1)!.seq);
    return body;
  }

  async cancel(scope: Scope, id: string): Promise<Record<string, never>> {
    await this.engine.cancel(this.find(scope, id));
    return {};
  }

  delete(scope: Scope, id: string): WireOperation {
    const job = this.find(scope, id);
    if (job.phase !== 'ended') {
      throw failedPrecondition(
        `Batch prediction job ${jobName(job)} is in state ${jobState(job)}; cancel it before deleting.`,
      );
    }
    this.engine.forget(job);
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

  reset(): void {
    this.engine.reset();
  }

  close(): Promise<void> {
    return this.engine.close();
  }

  private find(scope: Scope, id: string): VertexJob {
    const job = this.engine.find(id);
    if (!job || job.projectNumber !== projectNumberFor(scope.project) || job.location !== scope.location) {
      throw notFound(
        `The BatchPredictionJob does not exist: projects/${scope.project}/locations/${scope.location}/batchPredictionJobs/${id}`,
      );
    }
    return job;
  }

  /** Pins the inputs, then reads them. A job dropped meanwhile lets go of them at once (its plan is ignored). */
  private async plan(job: VertexJob, objects: StoredObject[]): Promise<PlanResult> {
    const files = await pinInputs(objects, this.ctx.blobs, job.id);
    job.inputLinks = files.map((file) => file.path);
    const result = job.discarded
      ? null
      : await planJob({
          seq: job.seq,
          params: job.params,
          files,
          faults: job.faults,
          requestErrors: requestErrorDraw(job.faults, this.ctx.faults, 'vertex', job.seq),
        });
    if (job.discarded || !result) {
      this.releaseInputs(job);
      return { ok: false, failure: 'The job was dropped while its input was read.' };
    }
    return result;
  }

  private releaseInputs(job: VertexJob): void {
    const links = job.inputLinks;
    job.inputLinks = [];
    this.ctx.blobs.discard(links);
  }
}

/** `2026-02-28T08:22:20.427871Z`: the output directory is named after the job's start, to the microsecond. */
function directoryTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
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

/**
 * The global endpoint runs batch prediction for Google's publisher models only: Google's docs exclude tuned models
 * and list "Batch prediction for Anthropic and OpenMaaS models" among its limitations. The wording is ours.
 */
function refuseOnGlobal(scope: Scope, model: string): void {
  if (scope.location !== 'global' || model.startsWith('publishers/google/')) return;
  throw invalidArgument(
    `Batch prediction of ${model} is not supported in location global: use a regional location.`,
  );
}
