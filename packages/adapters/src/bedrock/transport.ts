import type { GetModelInvocationJobCommandOutput } from '@aws-sdk/client-bedrock';
import { createAfterUpload } from '../create-after-upload';
import type { TransportSettings } from '../descriptor';
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
import { bedrockCallError } from './call-errors';
import { type BedrockClients, createClients } from './clients';
import { isEnded, pollResult } from './job-status';
import {
  chunkFolder,
  clientRequestTokenOf,
  isRecordFile,
  jobNameOf,
  jobOutputFolder,
  parseS3Uri,
  s3Uri,
} from './naming';
import type { BedrockOptions } from './options';
import { lineRecordId, parseBedrockLine } from './result-line';
import { deleteKeys, listKeys, objectLines, objectSize, uploadFile } from './s3-files';

export type { BedrockOptions } from './options';

/** The job's own deadline, sent explicitly: Tranche's stuck-batch check (BATCH_STUCK_AFTER_S) assumes 24 hours. */
const TIMEOUT_HOURS = 24;
/** How far back to look for a job created just before a crash: covers clock skew between us and AWS. */
const ADOPT_SKEW_MS = 300_000;
const DEFAULT_PART_BYTES = 8 * 1024 * 1024;
/** S3 refuses a multipart part under 5 MiB (the last one excepted). */
const MIN_PART_BYTES = 5 * 1024 * 1024;

/**
 * AWS Bedrock batch inference: the request file goes to S3, a model invocation job reads it and writes its results
 * under the chunk's output folder, one `.out` file per input file plus a manifest.
 */
export class BedrockTransport implements BatchTransport {
  private sdkClients: Promise<BedrockClients> | undefined;
  private readonly prefix: string;
  private readonly partBytes: number;
  private readonly queueSize: number;
  private readonly attempts: number;
  private readonly resultIdleTimeoutMs: number | undefined;

  constructor(
    private readonly options: BedrockOptions,
    settings: TransportSettings = {},
  ) {
    this.resultIdleTimeoutMs = settings.resultIdleTimeoutMs;
    this.prefix = (options.prefix ?? 'tranche').replace(/^\/+|\/+$/g, '');
    this.partBytes = options.uploadPartBytes ?? DEFAULT_PART_BYTES;
    if (this.partBytes < MIN_PART_BYTES) {
      throw new Error(`bedrock: uploadPartBytes must be at least ${MIN_PART_BYTES} (S3's smallest part)`);
    }
    this.queueSize = options.uploadQueueSize ?? 4;
    this.attempts = options.maxAttempts ?? 3;
  }

  /** The SDK clients, made at the first call: only a process that talks to Bedrock loads the SDKs. */
  private clients(): Promise<BedrockClients> {
    this.sdkClients ??= createClients(this.options);
    return this.sdkClients;
  }

  /**
   * The job an earlier attempt created for the chunk: the chunk's token (or, for a job listed without one, its
   * name) among the jobs submitted since the chunk was planned, every page of them.
   */
  async findExisting({
    chunkKey,
    createdAfter,
    knownBatchIds,
  }: ExistingBatchQuery): Promise<ExistingBatch | null> {
    const token = clientRequestTokenOf(chunkKey);
    const name = jobNameOf(chunkKey);
    try {
      const { bedrock } = await this.clients();
      const { paginateListModelInvocationJobs } = await import('@aws-sdk/client-bedrock');
      const pages = paginateListModelInvocationJobs(
        { client: bedrock, pageSize: 100 },
        {
          submitTimeAfter: new Date(createdAfter.getTime() - ADOPT_SKEW_MS),
          // A filter on a substring: `…_c1` also lists `…_c12`, so the exact token or name decides below.
          nameContains: name,
          sortBy: 'CreationTime',
          sortOrder: 'Descending',
        },
      );
      for await (const page of pages) {
        for (const job of page.invocationJobSummaries ?? []) {
          const ours = job.clientRequestToken ? job.clientRequestToken === token : job.jobName === name;
          if (!ours || !job.jobArn) continue;
          if (knownBatchIds.has(job.jobArn)) continue;
          return {
            providerBatchId: job.jobArn,
            inputFileId: job.inputDataConfig?.s3InputDataConfig?.s3Uri ?? null,
            recognisedBy: 'chunk_key',
          };
        }
      }
      return null;
    } catch (error) {
      throw bedrockCallError(error);
    }
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const { context, chunkKey } = request;
    const { bedrockCreate, s3 } = await this.clients();
    const bucket = this.options.bucket;
    const folder = chunkFolder(this.prefix, context.jobId, chunkKey);
    const inputKey = `${folder}/input.jsonl`;
    const inputUri = s3Uri(bucket, inputKey);
    try {
      const reusable =
        request.earlierAttemptsSince !== undefined &&
        (await objectSize(s3, bucket, inputKey)) === request.bytes;
      if (!reusable) {
        await uploadFile(
          s3,
          {
            bucket,
            key: inputKey,
            path: request.filePath,
            bytes: request.bytes,
            // For people looking at the bucket (nothing reads them). S3 sends them as `x-amz-meta-*` headers, where
            // some proxies drop names with `_`: hence `-`.
            metadata: { 'tranche-job-id': context.jobId, 'tranche-chunk-key': chunkKey },
          },
          { partBytes: this.partBytes, queueSize: this.queueSize },
        );
      }
    } catch (error) {
      throw bedrockCallError(error);
    }
    const { CreateModelInvocationJobCommand, DeleteObjectCommand } = await importSdks();
    const created = await createAfterUpload({
      fileId: inputUri,
      create: async () => {
        const answer = await bedrockCreate.send(
          new CreateModelInvocationJobCommand({
            jobName: jobNameOf(chunkKey),
            roleArn: this.options.roleArn,
            modelId: context.model,
            inputDataConfig: { s3InputDataConfig: { s3Uri: inputUri, s3InputFormat: 'JSONL' } },
            outputDataConfig: { s3OutputDataConfig: { s3Uri: s3Uri(bucket, `${folder}/out/`) } },
            clientRequestToken: clientRequestTokenOf(chunkKey),
            timeoutDurationInHours: TIMEOUT_HOURS,
            // Records are InvokeModel bodies of the job's model (encoder.ts), the default stated explicitly.
            modelInvocationType: 'InvokeModel',
          }),
        );
        if (!answer.jobArn) throw new Error('bedrock: the created job has no ARN');
        return answer.jobArn;
      },
      classify: bedrockCallError,
      deleteFile: () => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: inputKey })),
    });
    return { providerBatchId: created, inputFileId: inputUri };
  }

  async poll(ref: BatchRef): Promise<PollResult> {
    return pollResult(await this.getJob(ref.providerBatchId));
  }

  async *fetchResults(
    ref: BatchRef,
    context: BatchContext,
    onUnreadable?: (line: UnreadableLine) => void,
  ): AsyncIterable<NormalizedResult> {
    const { s3 } = await this.clients();
    for (const file of await this.resultFiles(ref)) {
      yield* readResultFile(objectLines(s3, file, this.attempts, this.resultIdleTimeoutMs), {
        file: `bedrock ${s3Uri(file.bucket, file.key)}`,
        parse: (line) => parseBedrockLine(line, context),
        customIdOf: lineRecordId,
        idKey: 'recordId',
        onUnreadable,
      });
    }
  }

  async cancel(ref: BatchRef): Promise<void> {
    try {
      const { bedrock } = await this.clients();
      const { StopModelInvocationJobCommand } = await importSdks();
      await bedrock.send(new StopModelInvocationJobCommand({ jobIdentifier: ref.providerBatchId }));
    } catch (error) {
      const classified = bedrockCallError(error);
      // A job that has ended (or is stopping) cannot be stopped (ConflictException, 400): the state we wanted.
      if (classified.status === 400 || classified.status === 409) {
        const job = await this.getJob(ref.providerBatchId);
        if (isEnded(job) || job.status === 'Stopping') return;
      }
      throw classified;
    }
  }

  /**
   * Deletes the chunk's folder: its request file and the job's output. Only a folder Tranche made for a chunk
   * (`{prefix}/{jobId}/{chunkKey}/`, in the configured bucket) is touched; the job itself stays (Bedrock keeps it).
   */
  async cleanup(ref: BatchRef & { inputFileId?: string | null }): Promise<void> {
    const input =
      ref.inputFileId ?? (await this.getJob(ref.providerBatchId)).inputDataConfig?.s3InputDataConfig?.s3Uri;
    const location = input ? parseS3Uri(input) : null;
    if (!location || location.bucket !== this.options.bucket) return;
    const ours = new RegExp(`^${escapeRegExp(this.prefix)}/[^/]+/[^/]+/input\\.jsonl$`);
    if (!ours.test(location.key)) return;
    const folder = location.key.slice(0, location.key.lastIndexOf('/') + 1);
    try {
      const { s3 } = await this.clients();
      const keys: string[] = [];
      for await (const key of listKeys(s3, location.bucket, folder)) keys.push(key);
      await deleteKeys(s3, location.bucket, keys);
    } catch (error) {
      throw bedrockCallError(error);
    }
  }

  private async getJob(jobIdentifier: string): Promise<GetModelInvocationJobCommandOutput> {
    try {
      const { bedrock } = await this.clients();
      const { GetModelInvocationJobCommand } = await importSdks();
      return await bedrock.send(new GetModelInvocationJobCommand({ jobIdentifier }));
    } catch (error) {
      throw bedrockCallError(error);
    }
  }

  /**
   * The job's result files, in name order: every `.out` object under its output folder (`{output}/{jobId}/`, where
   * Bedrock writes one per input file) except the manifest, which sums the job up and holds no record.
   */
  private async resultFiles(ref: BatchRef): Promise<Array<{ bucket: string; key: string }>> {
    let folder = ref.outputFileId ?? null;
    if (!folder) {
      const job = await this.getJob(ref.providerBatchId);
      const output = job.outputDataConfig?.s3OutputDataConfig?.s3Uri;
      folder = output && job.jobArn ? jobOutputFolder(output, job.jobArn) : null;
    }
    const where = folder ? parseS3Uri(folder) : null;
    if (!where) return [];
    const prefix = where.key.endsWith('/') ? where.key : `${where.key}/`;
    const files: Array<{ bucket: string; key: string }> = [];
    try {
      const { s3 } = await this.clients();
      for await (const key of listKeys(s3, where.bucket, prefix)) {
        if (isRecordFile(key)) files.push({ bucket: where.bucket, key });
      }
    } catch (error) {
      throw bedrockCallError(error);
    }
    return files;
  }
}

async function importSdks() {
  const [bedrock, s3] = await Promise.all([import('@aws-sdk/client-bedrock'), import('@aws-sdk/client-s3')]);
  return {
    CreateModelInvocationJobCommand: bedrock.CreateModelInvocationJobCommand,
    GetModelInvocationJobCommand: bedrock.GetModelInvocationJobCommand,
    StopModelInvocationJobCommand: bedrock.StopModelInvocationJobCommand,
    DeleteObjectCommand: s3.DeleteObjectCommand,
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
