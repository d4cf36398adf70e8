import { copyFile, link } from 'node:fs/promises';
import { isRecord } from '../anthropic/message-params';
import type { CompletionPlan, PlanOutcome } from '../core/batch-engine/batch';
import { batchRng, type RequestErrorDraw } from '../core/batch-engine/plan';
import type { BlobStore } from '../core/blob-store';
import type { BatchFaults } from '../core/faults';
import { shuffledIndices } from '../core/prng';
import type { S3Object, S3ObjectStore } from '../s3/object-store';
import { formatS3Uri, parseS3Uri } from '../s3/s3-uri';
import { linesWithOffsets } from '../vertex/line-offsets';
import { generatedRecordId } from './ids';
import type { ResolvedModel } from './models';
import type { BedrockOptions } from './options';
import { recordProblem } from './records';

export interface InputFile {
  uri: string;
  /** The input object's key relative to the input location: the output file is `{name}.out`. */
  name: string;
  /** A hard link to the object's bytes, so deleting the object does not pull the input from under the job. */
  path: string;
  size: number;
}

/** Where each record sits in the input and how it ends; records are re-read from the input when written. */
export interface JobPlan extends CompletionPlan {
  files: InputFile[];
  fileIndex: Uint16Array;
  offset: Float64Array;
  length: Uint32Array;
  /** HTTP status of a failed record (its `errorCode`), 0 for one that runs. */
  failStatus: Uint16Array;
  failMessage: Map<number, string>;
}

export type PlanResult = PlanOutcome<JobPlan, string>;

const RECORD_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The objects an input `s3Uri` names: the object itself, or every `.jsonl` object under it as a folder. A problem
 * with them (nothing there, not JSONL) fails the job at validation, as Bedrock reports input problems.
 */
export function resolveInputs(
  store: S3ObjectStore,
  uri: string,
): { objects: S3Object[]; problem: string | null } {
  const location = parseS3Uri(uri)!;
  const exact =
    location.key === '' || location.key.endsWith('/') ? undefined : store.get(location.bucket, location.key);
  if (exact) {
    if (!exact.key.endsWith('.jsonl')) {
      return { objects: [], problem: `The input file ${uri} is not a .jsonl file.` };
    }
    return { objects: [exact], problem: null };
  }
  const prefix = location.key === '' || location.key.endsWith('/') ? location.key : `${location.key}/`;
  const objects = store.objects(location.bucket, prefix).filter((object) => object.key.endsWith('.jsonl'));
  if (objects.length === 0) return { objects, problem: `No .jsonl input files were found at ${uri}.` };
  return { objects, problem: null };
}

/** Pins the input bytes for the job with hard links (a copy where links are not possible). */
export async function pinInputs(
  objects: S3Object[],
  inputUri: string,
  blobs: BlobStore,
  jobId: string,
): Promise<InputFile[]> {
  const location = parseS3Uri(inputUri)!;
  const folder = location.key === '' || location.key.endsWith('/') ? location.key : `${location.key}/`;
  const files: InputFile[] = [];
  for (const object of objects) {
    const path = blobs.newPath(`bedrock-${jobId}-in`);
    try {
      await link(object.path, path);
    } catch {
      await copyFile(object.path, path);
    }
    const name = object.key.startsWith(folder)
      ? object.key.slice(folder.length)
      : object.key.split('/').pop()!;
    files.push({ uri: formatS3Uri(object.bucket, object.key), name, path, size: object.size });
  }
  return files;
}

export interface PlanInput {
  jobId: string;
  seq: number;
  model: ResolvedModel;
  files: InputFile[];
  options: BedrockOptions;
  faults: BatchFaults;
  requestErrors: RequestErrorDraw;
}

const fail = (message: string): PlanResult => ({ ok: false, failure: message });

/**
 * Validation, as Bedrock's `Validating` step describes it: every line a JSON object with a `modelInput` object,
 * file size and record-count quotas. The content of `modelInput` is not validated here: a body the model refuses
 * fails that record alone (its output line has an `error`). Messages are ours; AWS's wording is UNCONFIRMED.
 */
export async function planJob(input: PlanInput): Promise<PlanResult> {
  const { faults, options, seq } = input;
  if (faults.failValidation) return fail('Failed to validate the input (injected fault).');
  for (const file of input.files) {
    if (file.size > options.maxInputFileBytes) {
      return fail(
        `The input file ${file.uri} is ${file.size} bytes, more than the limit of ${options.maxInputFileBytes} bytes.`,
      );
    }
  }

  const fileIndex: number[] = [];
  const offset: number[] = [];
  const length: number[] = [];
  const failStatus: number[] = [];
  const failMessage = new Map<number, string>();

  for (const [index, file] of input.files.entries()) {
    try {
      for await (const lines of linesWithOffsets(file.path)) {
        for (const line of lines) {
          const record = fileIndex.length;
          if (record >= options.maxRecords) {
            return fail(
              `The number of records in the input files exceeds the maximum of ${options.maxRecords} records per job.`,
            );
          }
          let parsed: unknown;
          try {
            parsed = JSON.parse(line.text);
          } catch {
            parsed = undefined;
          }
          const where = `line ${line.number} of ${file.uri}`;
          if (!isRecord(parsed)) return fail(`The record on ${where} is not a valid JSON object.`);
          if (!isRecord(parsed.modelInput)) return fail(`The record on ${where} has no modelInput object.`);
          const recordId = parsed.recordId;
          if (recordId !== undefined && typeof recordId !== 'string') {
            return fail(`The recordId on ${where} is not a string.`);
          }
          if (options.recordIds === 'strict' && recordId !== undefined && !RECORD_ID.test(recordId)) {
            return fail(`The recordId on ${where} must match ${RECORD_ID.source}.`);
          }
          fileIndex.push(index);
          offset.push(line.offset);
          length.push(line.length);
          const problem = recordProblem(input.model, parsed.modelInput, options);
          let status = 0;
          if (problem !== null) {
            status = 400;
            failMessage.set(record, problem);
          } else {
            status = input.requestErrors(recordId ?? generatedRecordId(input.jobId, record)) ?? 0;
          }
          failStatus.push(status);
        }
      }
    } catch (error) {
      return fail(`The input file ${file.uri} could not be read: ${(error as Error).message}`);
    }
  }
  const total = fileIndex.length;
  if (total < options.minRecords) {
    // Wording ours (UNCONFIRMED): the quota is "Minimum number of records per batch inference job".
    return fail(
      `The number of records in the input files (${total}) is less than the minimum of ${options.minRecords} records per batch inference job.`,
    );
  }

  const order = shuffledIndices(total, batchRng(faults.seed, 'bedrock', seq, 'order'));
  const failed = Uint16Array.from(failStatus);
  const failedBefore = new Uint32Array(total + 1);
  for (let k = 0; k < total; k++) failedBefore[k + 1] = failedBefore[k]! + (failed[order[k]!] === 0 ? 0 : 1);
  return {
    ok: true,
    plan: {
      total,
      order,
      failedBefore,
      files: input.files,
      fileIndex: Uint16Array.from(fileIndex),
      offset: Float64Array.from(offset),
      length: Uint32Array.from(length),
      failStatus: failed,
      failMessage,
    },
  };
}
