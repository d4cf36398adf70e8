import { randomUUID } from 'node:crypto';
import { BatchEngine } from '../core/batch-engine/engine';
import { requestErrorDraw } from '../core/batch-engine/plan';
import { writeJsonlFile } from '../core/jsonl-writer';
import type { EmulatorContext } from '../core/provider';
import { badRequest, notFound, unprocessable } from './errors';
import type { FileRegistry } from './file-registry';
import type { InlineRequest, JobParams } from './job-params';
import { planJob } from './job-plan';
import type { MistralJob } from './job-record';
import { writeJobResults } from './job-results';
import { jobStatus, renderJob } from './job-view';
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

/** Mistral's batch jobs, from uploaded files or inline requests. */
export class JobService {
  private readonly engine: BatchEngine<MistralJob>;
  /** Files holding inline requests: not in the file list, removed on reset. */
  private inlinePaths: string[] = [];

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly files: FileRegistry,
    private readonly switches: MistralSwitches,
  ) {
    this.engine = new BatchEngine<MistralJob>(ctx, {
      provider: 'mistral',
      profile: { finalizing: false, cancelBeforeRunning: 'ends-at-once' },
      newId: randomUUID,
      notFound: (id) => notFound(`Batch job ${id} not found`),
      writeResults: async (job, run) => {
        await writeJobResults(job, run, {
          blobs: ctx.blobs,
          files,
          errorShape: switches.get().error_line_shape,
        });
        // Hidden result files are in no file list: removed on reset, like inline request files.
        if (job.hiddenResultPaths) this.inlinePaths.push(...job.hiddenResultPaths);
      },
      // Cancelling again is a no-op; a job that ended otherwise is refused (the real answer is unconfirmed).
      refuseCancel: (job) =>
        job.end === 'cancelled'
          ? null
          : badRequest(`Cannot cancel a batch job with status ${jobStatus(job)}.`),
    });
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
    const job = this.engine.create({
      fields: {
        params: { ...params, inlineRequests: null },
        requestPaths,
        errors: [],
        outputFileId: null,
        errorFileId: null,
        hiddenResultPaths:
          params.inlineRequests && this.switches.get().inline_result_files === 'outputs_only' ? [] : null,
      },
      requests,
      plan: (job) =>
        planJob({
          seq: job.seq,
          paths: job.requestPaths,
          endpoint: job.params.endpoint,
          model: job.params.model,
          faults: job.faults,
          requestErrors: requestErrorDraw(job.faults, this.ctx.faults, 'mistral', job.seq),
        }),
    });
    return renderJob(job, job.at.created);
  }

  get(id: string): Promise<MistralJob> {
    return this.engine.get(id);
  }

  resultPaths(job: MistralJob): string[] {
    if (job.hiddenResultPaths) return job.hiddenResultPaths;
    const paths: string[] = [];
    for (const id of [job.outputFileId, job.errorFileId]) {
      const file = id ? this.files.get(id) : undefined;
      if (file) paths.push(file.path);
    }
    return paths;
  }

  async list(query: JobListQuery): Promise<JobList> {
    const newestFirst = await this.engine.list();
    const now = this.ctx.clock.now();
    const matching = newestFirst.filter((job) => matches(job, query));
    if (query.order === 'created') matching.reverse();
    const start = query.page * query.pageSize;
    return {
      data: matching.slice(start, start + query.pageSize).map((job) => renderJob(job, now)),
      object: 'list',
      total: matching.length,
    };
  }

  async cancel(id: string): Promise<WireBatchJob> {
    const job = this.engine.require(id);
    await this.engine.cancel(job);
    return renderJob(job, this.ctx.clock.now());
  }

  /** `DELETE /v1/batch/jobs/{id}` (SDK v2; not in the public openapi): forgets the job, keeps its files. */
  delete(id: string): { id: string; object: 'batch'; deleted: true } {
    this.engine.forget(this.engine.require(id));
    return { id, object: 'batch', deleted: true };
  }

  /** Forgets every job; work still running for them is dropped. Returns the inline request and result files. */
  reset(): string[] {
    this.engine.reset();
    const paths = this.inlinePaths;
    this.inlinePaths = [];
    return paths;
  }

  close(): Promise<void> {
    return this.engine.close();
  }

  private async writeInline(requests: InlineRequest[]): Promise<string> {
    const path = this.ctx.blobs.newPath('mistral-inline');
    this.inlinePaths.push(path);
    await writeJsonlFile(
      path,
      requests.map((request) => JSON.stringify({ custom_id: request.customId, body: request.body })),
    );
    return path;
  }
}

function matches(job: MistralJob, query: JobListQuery): boolean {
  if (query.model !== undefined && job.params.model !== query.model) return false;
  // No emulated job runs on an agent.
  if (query.agentId !== undefined) return false;
  if (query.createdAfterMs !== undefined && job.at.created < query.createdAfterMs) return false;
  if (query.statuses.length > 0 && !query.statuses.includes(jobStatus(job))) return false;
  if (query.metadata) {
    for (const [key, value] of Object.entries(query.metadata)) {
      if (job.params.metadata?.[key] !== value) return false;
    }
  }
  return true;
}
