import { z } from 'zod';

/**
 * Switches for what AWS leaves open or what tests need scaled down (docs/providers/bedrock.md, "Emulator").
 * Set at start (`awsProvidersWith`) or at run time with `POST /bedrock/_emulator/options`; a reset restores the start
 * values. A job keeps the values it was created with.
 */
export const bedrockOptionsSchema = z.strictObject({
  /** "Minimum number of records per batch inference job": fewer records fail the job at validation. */
  min_records: z.number().int().min(1).optional(),
  /** "Records per batch inference job": more records fail the job at validation. */
  max_records: z.number().int().min(1).optional(),
  /** "Batch inference input file size": a larger input file fails the job at validation. */
  max_input_file_bytes: z.number().int().min(1).optional(),
  /**
   * `any`: a `recordId` may be any string (the docs only say "alphanumeric"); `strict`: it must match
   * `^[A-Za-z0-9_-]{1,64}$` or the job fails at validation.
   */
  record_ids: z.enum(['any', 'strict']).optional(),
  /** Claude records with `tools`/`tool_choice`: run (`allowed`) or fail alone with a 400 (`record_error`). */
  tools_in_batch: z.enum(['allowed', 'record_error']).optional(),
  /** A create whose `jobName` an earlier job has: accepted, or refused with a ValidationException. */
  duplicate_job_names: z.enum(['allowed', 'refused']).optional(),
  /** `error.errorCode` of a failed record: the number AWS's example shows, or a string. */
  error_code_type: z.enum(['number', 'string']).optional(),
  /** Whether a Stopped or PartiallyCompleted job gets a `manifest.json.out` next to its partial output. */
  partial_manifest: z.boolean().optional(),
  /** Jobs not yet ended per model before a create is refused with ServiceQuotaExceededException; null: no limit. */
  max_active_jobs_per_model: z.number().int().min(1).nullable().optional(),
});

export type BedrockOptionsInput = z.input<typeof bedrockOptionsSchema>;

export interface BedrockOptions {
  minRecords: number;
  maxRecords: number;
  maxInputFileBytes: number;
  recordIds: 'any' | 'strict';
  toolsInBatch: 'allowed' | 'record_error';
  duplicateJobNames: 'allowed' | 'refused';
  errorCodeType: 'number' | 'string';
  partialManifest: boolean;
  maxActiveJobsPerModel: number | null;
}

/** The quotas as third parties quote AWS's defaults: 100 to 50,000 records, 1 GB per file. */
export const DEFAULT_BEDROCK_OPTIONS: BedrockOptions = {
  minRecords: 100,
  maxRecords: 50_000,
  maxInputFileBytes: 1_000_000_000,
  recordIds: 'any',
  toolsInBatch: 'allowed',
  duplicateJobNames: 'refused',
  errorCodeType: 'number',
  partialManifest: true,
  maxActiveJobsPerModel: null,
};

export function applyBedrockOptions(current: BedrockOptions, input: unknown): BedrockOptions {
  const parsed = bedrockOptionsSchema.parse(input);
  return {
    minRecords: parsed.min_records ?? current.minRecords,
    maxRecords: parsed.max_records ?? current.maxRecords,
    maxInputFileBytes: parsed.max_input_file_bytes ?? current.maxInputFileBytes,
    recordIds: parsed.record_ids ?? current.recordIds,
    toolsInBatch: parsed.tools_in_batch ?? current.toolsInBatch,
    duplicateJobNames: parsed.duplicate_job_names ?? current.duplicateJobNames,
    errorCodeType: parsed.error_code_type ?? current.errorCodeType,
    partialManifest: parsed.partial_manifest ?? current.partialManifest,
    maxActiveJobsPerModel:
      parsed.max_active_jobs_per_model === undefined
        ? current.maxActiveJobsPerModel
        : parsed.max_active_jobs_per_model,
  };
}

export function renderBedrockOptions(options: BedrockOptions) {
  return {
    min_records: options.minRecords,
    max_records: options.maxRecords,
    max_input_file_bytes: options.maxInputFileBytes,
    record_ids: options.recordIds,
    tools_in_batch: options.toolsInBatch,
    duplicate_job_names: options.duplicateJobNames,
    error_code_type: options.errorCodeType,
    partial_manifest: options.partialManifest,
    max_active_jobs_per_model: options.maxActiveJobsPerModel,
  };
}
