import { claudeOutputLimit, type MaxTokensCeiling, UNLISTED_MODEL_LIMIT } from '../anthropic/output-limits';

/**
 * The Claude API id of a Bedrock model id: `anthropic.claude-sonnet-4-5-20250929-v1:0`, its inference profiles
 * (`us.…`, `global.…`) and their ARNs → `claude-sonnet-4-5-20250929`. Null for another family or an id that names
 * no model (an application inference profile).
 */
export function claudeApiId(modelId: string): string | null {
  const id = modelId.trim().slice(modelId.trim().lastIndexOf('/') + 1);
  const match = /^(?:[a-z-]+\.)?anthropic\.(claude-[a-z0-9.-]+?)-v\d+(?::\d+)?$/.exec(id);
  return match ? match[1]! : null;
}

/**
 * The most `max_tokens` a Bedrock batch record may ask for: the Claude model's synchronous output limit from the
 * Anthropic adapter's table (Tranche sends no output beta on Bedrock), or the most any listed model generates for a
 * model not in it. Bedrock refuses more in the record alone; intake refuses it first.
 */
export function bedrockMaxTokens(model: string): MaxTokensCeiling {
  const claude = claudeApiId(model);
  const limit = claude ? claudeOutputLimit(claude) : null;
  if (!limit) {
    return {
      tokens: UNLISTED_MODEL_LIMIT,
      reason:
        `${model} is not in Tranche's table of Claude output limits, so it is given the most any listed model ` +
        `generates (${UNLISTED_MODEL_LIMIT})`,
    };
  }
  return {
    tokens: limit.synchronous,
    reason: `${model} generates at most ${limit.synchronous} tokens (${limit.source}; no output beta is sent on Bedrock)`,
  };
}
