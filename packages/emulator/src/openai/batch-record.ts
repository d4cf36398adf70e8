import type { EngineBatch } from '../core/batch-engine/batch';
import type { CompatiblePlan } from '../openai-compatible/request-plan';
import type { BatchParams } from './batch-params';
import type { WireBatchError } from './types';

/** A batch on OpenAI's wire: the engine's state, the create params and the result files once written. */
export type OpenAIBatch = EngineBatch<CompatiblePlan, WireBatchError[]> & {
  params: BatchParams;
  outputFileId: string | null;
  errorFileId: string | null;
};
