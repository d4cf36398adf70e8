import { z } from 'zod';

/**
 * Switches for behaviours Google's docs leave open (docs/providers/vertex.md#open-questions), so tests can run the
 * adapter against each variant.
 * Set at start (`googleProvidersWith`) or at run time with `POST /vertex/_emulator/options`; a reset restores
 * the start values.
 */
export const vertexOptionsSchema = z.strictObject({
  /** Final state of a job in which some rows failed. */
  partial_failure_state: z.enum(['JOB_STATE_SUCCEEDED', 'JOB_STATE_PARTIALLY_SUCCEEDED']).optional(),
  /** Split predictions into `predictions_00001.jsonl`, … of at most this many lines; null for one file. */
  shard_lines: z.number().int().positive().nullable().optional(),
  /**
   * Dimensions of embeddings when the job sets no `modelParameters.outputDimensionality`; null for the model's own
   * (768 for text-embedding-005).
   */
  embedding_dimensions: z.number().int().min(1).max(3072).nullable().optional(),
});

export type VertexOptionsInput = z.input<typeof vertexOptionsSchema>;

export interface VertexOptions {
  partialFailureState: 'JOB_STATE_SUCCEEDED' | 'JOB_STATE_PARTIALLY_SUCCEEDED';
  shardLines: number | null;
  embeddingDimensions: number | null;
}

export const DEFAULT_VERTEX_OPTIONS: VertexOptions = {
  partialFailureState: 'JOB_STATE_SUCCEEDED',
  shardLines: null,
  embeddingDimensions: null,
};

export function applyVertexOptions(current: VertexOptions, input: unknown): VertexOptions {
  const parsed = vertexOptionsSchema.parse(input);
  return {
    partialFailureState: parsed.partial_failure_state ?? current.partialFailureState,
    shardLines: parsed.shard_lines === undefined ? current.shardLines : parsed.shard_lines,
    embeddingDimensions:
      parsed.embedding_dimensions === undefined ? current.embeddingDimensions : parsed.embedding_dimensions,
  };
}

export function renderVertexOptions(options: VertexOptions) {
  return {
    partial_failure_state: options.partialFailureState,
    shard_lines: options.shardLines,
    embedding_dimensions: options.embeddingDimensions,
  };
}
