/** What a job's records must hold and how they are answered. */
export type ModelFamily = 'claude' | 'titan-embed-text-v2';

export interface ResolvedModel {
  family: ModelFamily;
  /** The foundation model id, e.g. `anthropic.claude-3-haiku-20240307-v1:0`. */
  foundationModelId: string;
  /** The name Claude's messages carry in `model`, e.g. `claude-3-haiku-20240307`. */
  name: string;
}

const ARN =
  /^arn:aws(?:-[^:]+)?:bedrock:[a-z0-9-]{1,20}:(?:[0-9]{12})?:(?:foundation-model|inference-profile|system-defined-inference-profile)\/(.+)$/;
/** Cross-region inference profiles put a geography in front of the model id: `us.anthropic.…`, `global.…`. */
const PROFILE_PREFIX = /^(?:us|eu|apac|global|us-gov|jp|au|ca)\.(?=(?:anthropic|amazon)\.)/;

/**
 * The model a job's `modelId` names: a foundation-model id, a cross-region inference profile id, or their ARNs.
 * Custom models and application inference profiles hide their model, so the emulator does not take them; the Claude
 * family and Titan Text Embeddings V2 are the models it plays.
 */
export function resolveModel(modelId: string): ResolvedModel | null {
  const id = (ARN.exec(modelId)?.[1] ?? modelId).replace(PROFILE_PREFIX, '');
  if (/^anthropic\.claude-[a-z0-9.-]+-v\d+(?::\d+)?$/.test(id)) {
    return {
      family: 'claude',
      foundationModelId: id,
      name: id.slice('anthropic.'.length).replace(/-v\d+(?::\d+)?$/, ''),
    };
  }
  if (id === 'amazon.titan-embed-text-v2:0') {
    return { family: 'titan-embed-text-v2', foundationModelId: id, name: 'amazon.titan-embed-text-v2:0' };
  }
  return null;
}
