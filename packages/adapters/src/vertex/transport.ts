import type { BatchJob, GoogleGenAI } from '@google/genai';
import type { Bucket, File, Storage } from '@google-cloud/storage';
import { createAfterUpload } from '../create-after-upload';
import type { TransportSettings } from '../descriptor';
import { ProviderCallError } from '../errors';
import { CHUNK_KEY_METADATA, JOB_ID_METADATA } from '../metadata';
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
import { vertexCallError } from './call-errors';
import { type ClientOptions, createGenAI, createStorage } from './clients';
import { EMBEDDING_KEY_FIELD } from './encoder';
import { holdsFile, listObjects, objectLines } from './gcs-files';
import { chunkFolder, gcsUri, parseGcsUri } from './gcs-location';
import { globalEndpointProblem } from './global-endpoint';
import { isEnded, pollResult } from './job-state';
import { lineCustomId, parseVertexLine } from './result-line';

export interface VertexOptions {
  /** `GOOGLE_CLOUD_PROJECT`. */
  project: string;
  /** `GOOGLE_CLOUD_LOCATION`, e.g. `us-central1` or `global`. */
  location: string;
  /** `VERTEX_GCS_BUCKET`: where request files go and where Vertex writes predictions. */
  bucket: string;
  /** `VERTEX_BASE_URL`. */
  baseUrl?: string;
  /** `GCS_API_ENDPOINT`. */
  gcsApiEndpoint?: string;
  /** `VERTEX_ACCESS_TOKEN`: a fixed bearer token (emulators); Application Default Credentials otherwise. */
  accessToken?: string;
  apiVersion?: 'v1' | 'v1beta1';
  /** Attempts per API call, the first included (default 4), and the backoff between them. */
  retries?: { attempts?: number; initialDelayMs?: number; maxDelayMs?: number };
  /** Per attempt (default 600 s). */
  timeoutMs?: number;
  /**
   * Resumable uploads go up in chunks of this size (a multiple of 256 KiB; default 8 MiB), so a failure resumes
   * from the last chunk; 0 sends the whole file in one streamed request.
   */
  uploadChunkBytes?: number;
  /** Folder in the bucket for Tranche's files (default `tranche`); cleanup never deletes outside it. */
  folder?: string;
}

interface VertexClients {
  ai: GoogleGenAI;
  storage: Storage;
  bucket: Bucket;
}

/** Whole-file uploads of one request file, after the storage SDK's own retries gave up. */
const UPLOAD_ATTEMPTS = 3;
const UPLOAD_RETRY_MS = 200;
/**
 * The storage SDK holds a chunk in memory more than once while it sends it (the chunk, the copy kept to resend,
 * read-ahead): with 16 MiB chunks a worker's buffers reached ~65 MB during an upload, 8 MiB chunks save ~20 MB of
 * that for one more request per 8 MiB.
 */
const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;
/**
 * The job create is made once: after a lost answer (or a timeout, which the SDK would retry too) a second call would
 * make a second job. The failure reaches the worker instead, whose next attempt looks for the job (findExisting).
 */
const CREATE_ONCE = { attempts: 1 };
const UPLOAD_CHUNK_UNIT = 256 * 1024;
// How far back to look for a job created just before a crash: covers clock skew between us and Google.
const ADOPT_SKEW_MS = 300_000;

/** Vertex AI batch prediction jobs through `@google/genai`, their files in Cloud Storage. */
export class VertexTransport implements BatchTransport {
  private readonly clientOptions: ClientOptions;
  private sdkClients: Promise<VertexClients> | undefined;
  /** Clients for jobs created at another location than this worker's (see `aiFor`). */
  private readonly otherLocations = new Map<string, Promise<GoogleGenAI>>();
  private readonly folder: string;
  private readonly uploadChunkBytes: number;
  private readonly retry: ClientOptions['retry'];
  private readonly resultIdleTimeoutMs: number | undefined;

  constructor(
    private readonly options: VertexOptions,
    settings: TransportSettings = {},
  ) {
    this.resultIdleTimeoutMs = settings.resultIdleTimeoutMs;
    const clientOptions: ClientOptions = {
      project: options.project,
      location: options.location,
      baseUrl: options.baseUrl,
      apiVersion: options.apiVersion,
      gcsApiEndpoint: options.gcsApiEndpoint,
      accessToken: options.accessToken,
      retry: {
        attempts: options.retries?.attempts ?? 4,
        initialDelayMs: options.retries?.initialDelayMs ?? 1000,
        maxDelayMs: options.retries?.maxDelayMs ?? 30_000,
      },
      timeoutMs: options.timeoutMs ?? 600_000,
    };
    this.clientOptions = clientOptions;
    this.retry = clientOptions.retry;
    this.folder = (options.folder ?? 'tranche').replace(/^\/+|\/+$/g, '');
    const chunk = options.uploadChunkBytes ?? DEFAULT_CHUNK_BYTES;
    if (chunk % UPLOAD_CHUNK_UNIT !== 0) {
      throw new Error(`vertex: uploadChunkBytes must be a multiple of ${UPLOAD_CHUNK_UNIT}`);
    }
    this.uploadChunkBytes = chunk;
  }

  /**
   * The SDK clients, made at the first call: the SDKs are loaded only by a process that talks to Vertex (a worker
   * may never get a Vertex job).
   */
  private clients(): Promise<VertexClients> {
    this.sdkClients ??= Promise.all([
      createGenAI(this.clientOptions),
      createStorage(this.clientOptions),
    ]).then(([ai, storage]) => ({ ai, storage, bucket: storage.bucket(this.options.bucket) }));
    return this.sdkClients;
  }

  async findExisting({
    chunkKey,
    createdAfter,
    knownBatchIds,
  }: ExistingBatchQuery): Promise<ExistingBatch | null> {
    const since = createdAfter.getTime() - ADOPT_SKEW_MS;
    try {
      const { ai } = await this.clients();
      const pager = await ai.batches.list({
        config: { pageSize: 100, filter: `display_name="${chunkKey.replace(/["\\]/g, '\\$&')}"` },
      });
      for await (const job of pager) {
        if (job.displayName !== chunkKey || !job.name) continue;
        if (knownBatchIds.has(job.name) || knownBatchIds.has(job.name.split('/').pop()!)) continue;
        if (job.createTime && Date.parse(job.createTime) < since) continue;
        return {
          providerBatchId: job.name,
          inputFileId: job.src?.gcsUri?.[0] ?? null,
          recognisedBy: 'chunk_key',
        };
      }
      return null;
    } catch (error) {
      throw vertexCallError(error);
    }
  }

  /**
   * Streamed from disk by a resumable upload; the SDK verifies the CRC32C the server reports. When the server lost
   * bytes the SDK had already streamed (a 5xx in the middle of a PUT), the SDK stops rather than resend them: the
   * file is still on disk and the object's name is the chunk's, so a new upload of the whole file is safe.
   *
   * Unlike the other creates, this one keeps its retries (the storage SDK's and these): writing an object of the same
   * name with the same bytes is idempotent, so a retry after a lost answer makes nothing twice. A retried session
   * start leaves at most an unused upload session, which holds no object and expires. On a later attempt at the
   * chunk, an object that already holds the file is not uploaded again.
   */
  private async uploadInput(request: SubmitRequest, inputName: string, metadata: Record<string, string>) {
    const { bucket } = await this.clients();
    if (
      request.earlierAttemptsSince &&
      (await holdsFile(bucket.file(inputName), request.filePath, request.bytes))
    )
      return;
    for (let attempt = 1; ; attempt++) {
      try {
        await bucket.upload(request.filePath, {
          destination: inputName,
          resumable: true,
          validation: 'crc32c',
          contentType: 'application/jsonl',
          metadata: { metadata },
          ...(this.uploadChunkBytes > 0 && request.bytes > this.uploadChunkBytes
            ? { chunkSize: this.uploadChunkBytes }
            : {}),
        });
        return;
      } catch (error) {
        if (attempt >= UPLOAD_ATTEMPTS || !vertexCallError(error).retryable) throw error;
        await new Promise((resolve) => setTimeout(resolve, UPLOAD_RETRY_MS * attempt));
      }
    }
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const { context, chunkKey } = request;
    // Refused before anything is uploaded: the job create would fail for good anyway.
    const unsupported = globalEndpointProblem(this.options.location, context.model);
    if (unsupported) throw new ProviderCallError(unsupported, null, false, 'unsupported_location');
    const { ai, bucket } = await this.clients();
    const folder = chunkFolder(this.folder, context.jobId, chunkKey);
    const inputName = `${folder}/input.jsonl`;
    const metadata = { [JOB_ID_METADATA]: context.jobId, [CHUNK_KEY_METADATA]: chunkKey };
    const inputUri = gcsUri(this.options.bucket, inputName);
    try {
      await this.uploadInput(request, inputName, metadata);
    } catch (error) {
      throw vertexCallError(error);
    }
    const job = await createAfterUpload({
      fileId: inputUri,
      create: async () => {
        const created = await ai.batches.create({
          model: context.model,
          src: inputUri,
          config: {
            dest: gcsUri(this.options.bucket, `${folder}/output`),
            displayName: chunkKey,
            httpOptions: {
              retryOptions: CREATE_ONCE,
              // The SDK's create config has no labels or instanceConfig for Vertex; extraBody puts them in the body.
              extraBody: {
                labels: jobLabels(metadata),
                ...(context.kind === 'embedding'
                  ? { instanceConfig: { keyField: EMBEDDING_KEY_FIELD } }
                  : {}),
                // The text-embedding parameters (TextEmbeddingPredictionParams) are the job's, not an instance's.
                ...(context.kind === 'embedding' && context.dimensions !== undefined
                  ? { modelParameters: { outputDimensionality: context.dimensions } }
                  : {}),
              },
            },
          },
        });
        if (!created.name) throw new Error('vertex: the created batch job has no name');
        return created;
      },
      classify: vertexCallError,
      deleteFile: () => bucket.file(inputName).delete({ ignoreNotFound: true }),
    });
    return { providerBatchId: job.name!, inputFileId: inputUri };
  }

  async poll(ref: BatchRef): Promise<PollResult> {
    return pollResult(await this.getJob(ref.providerBatchId));
  }

  async *fetchResults(
    ref: BatchRef,
    context: BatchContext,
    onUnreadable?: (line: UnreadableLine) => void,
  ): AsyncIterable<NormalizedResult> {
    for (const file of await this.resultFiles(ref)) {
      yield* readResultFile(objectLines(file, this.retry, this.resultIdleTimeoutMs), {
        file: `vertex ${gcsUri(file.bucket.name, file.name)}`,
        parse: (line) => parseVertexLine(line, context),
        customIdOf: lineCustomId,
        onUnreadable,
      });
    }
  }

  async cancel(ref: BatchRef): Promise<void> {
    try {
      const ai = await this.aiFor(ref.providerBatchId);
      await ai.batches.cancel({ name: ref.providerBatchId });
    } catch (error) {
      const classified = vertexCallError(error);
      // An ended job cannot be cancelled (FAILED_PRECONDITION); that is the state we wanted anyway.
      if (classified.status === 400 || classified.status === 409) {
        if (isEnded(await this.getJob(ref.providerBatchId))) return;
      }
      throw classified;
    }
  }

  /** Deletes the chunk's request file and predictions; the job resource itself stays (Vertex keeps it). */
  async cleanup(ref: BatchRef & { inputFileId?: string | null }): Promise<void> {
    let input = ref.inputFileId ?? null;
    if (!input) input = (await this.getJob(ref.providerBatchId)).src?.gcsUri?.[0] ?? null;
    const location = input ? parseGcsUri(input) : null;
    if (!location || location.bucket !== this.options.bucket || !location.name.startsWith(`${this.folder}/`))
      return;
    const folder = location.name.slice(0, location.name.lastIndexOf('/') + 1);
    const { bucket } = await this.clients();
    try {
      for await (const file of listObjects(bucket, folder)) {
        await file.delete({ ignoreNotFound: true });
      }
    } catch (error) {
      throw vertexCallError(error);
    }
  }

  /**
   * The client for a job's own location. `@google/genai` keeps only the id of a job name and reads it at the client's
   * location, so a job created before `GOOGLE_CLOUD_LOCATION` changed (say from `us-central1` to `global`) would be
   * looked for in the wrong place: it is read where its name says it lives.
   */
  private async aiFor(jobName: string): Promise<GoogleGenAI> {
    const location = /^projects\/[^/]+\/locations\/([^/]+)\/batchPredictionJobs\//.exec(jobName)?.[1];
    if (!location || location === this.options.location) return (await this.clients()).ai;
    let client = this.otherLocations.get(location);
    if (!client) {
      client = createGenAI({ ...this.clientOptions, location });
      this.otherLocations.set(location, client);
    }
    return client;
  }

  private async getJob(name: string): Promise<BatchJob> {
    try {
      const ai = await this.aiFor(name);
      return await ai.batches.get({ name });
    } catch (error) {
      throw vertexCallError(error);
    }
  }

  /**
   * The job's `*.jsonl` outputs, in name order: everything in `outputInfo.gcsOutputDirectory` (Vertex may shard),
   * or every `prediction-model-*` folder under the destination prefix when the directory is not known.
   */
  private async resultFiles(ref: BatchRef): Promise<File[]> {
    let directory = ref.outputFileId ?? null;
    let prefix: string | null = null;
    if (!directory) {
      const job = await this.getJob(ref.providerBatchId);
      directory = job.outputInfo?.gcsOutputDirectory ?? null;
      prefix = job.dest?.gcsUri ?? null;
    }
    const where = parseGcsUri(directory ?? prefix ?? '');
    if (!where) return [];
    const { storage, bucket: ours } = await this.clients();
    const bucket = where.bucket === this.options.bucket ? ours : storage.bucket(where.bucket);
    const folder = `${where.name.replace(/\/+$/, '')}/`;
    const files: File[] = [];
    try {
      for await (const file of listObjects(bucket, folder)) {
        const relative = file.name.slice(folder.length);
        const wanted = directory ? /^[^/]+\.jsonl$/ : /^prediction-model-[^/]+\/[^/]+\.jsonl$/;
        if (wanted.test(relative)) files.push(file);
      }
    } catch (error) {
      throw vertexCallError(error);
    }
    return files;
  }
}

/** Job labels follow the same rules as request labels: lowercase, digits, `_`, `-`, at most 63 characters. */
function jobLabels(metadata: Record<string, string>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) {
    labels[key] = value
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, '-')
      .slice(0, 63);
  }
  return labels;
}
