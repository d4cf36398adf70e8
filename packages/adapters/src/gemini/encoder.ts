import type { RequestEncoder } from '../descriptor';
import { generateContentRequest } from '../gemini-format/generate-content-request';
import type { BatchContext, UnifiedRequest } from '../types';

/**
 * One line of a Gemini Developer API batch file: `{"key": <custom id>, "request": …}`, the key echoed in the
 * result line. Chat: a `GenerateContentRequest` in REST form (no `labels`: the API refuses unknown fields).
 * Embeddings: an `EmbedContentRequest`, its size (`params.dimensions`) per request as `outputDimensionality`.
 */
export function geminiLine(
  customId: string,
  request: UnifiedRequest,
  context: BatchContext,
): Record<string, unknown> {
  if (context.kind === 'embedding') {
    const embed: Record<string, unknown> = { content: { parts: [{ text: request.text ?? '' }] } };
    const dimensions = request.params?.dimensions;
    if (dimensions !== undefined) embed.outputDimensionality = dimensions;
    return { key: customId, request: embed };
  }
  return { key: customId, request: generateContentRequest(request, context) };
}

export const geminiEncoder: RequestEncoder = {
  encodeLine: (customId, request, context) => JSON.stringify(geminiLine(customId, request, context)),
};
