import type { BatchContext, UnifiedRequest } from '../types';
import { customIdLabels } from './custom-id-labels';

/** For embedding jobs the id rides in the instance and `instanceConfig.keyField` takes it out again. */
export const EMBEDDING_KEY_FIELD = 'custom_id';

/**
 * One line of a Vertex batch input: a Gemini `GenerateContentRequest` under `request` (chat), or a text-embedding
 * instance `{"content": …}` plus the key field (embeddings).
 */
export function vertexLine(
  customId: string,
  request: UnifiedRequest,
  context: BatchContext,
): Record<string, unknown> {
  if (context.kind === 'embedding') return { [EMBEDDING_KEY_FIELD]: customId, content: request.text ?? '' };
  return { request: generateContentRequest(customId, request, context) };
}

export function generateContentRequest(
  customId: string,
  request: UnifiedRequest,
  context: BatchContext,
): Record<string, unknown> {
  const systemTexts: string[] = request.system !== undefined ? [request.system] : [];
  const contents: Array<{ role: 'user' | 'model'; parts: Array<{ text: string }> }> = [];
  for (const message of request.messages ?? []) {
    if (message.role === 'system') systemTexts.push(message.content);
    else
      contents.push({
        role: message.role === 'assistant' ? 'model' : 'user',
        parts: [{ text: message.content }],
      });
  }
  const body: Record<string, unknown> = { contents };
  if (systemTexts.length > 0) body.systemInstruction = { parts: [{ text: systemTexts.join('\n\n') }] };

  const params = request.params ?? {};
  const config: Record<string, unknown> = {};
  if (params.max_tokens !== undefined) config.maxOutputTokens = params.max_tokens;
  if (params.temperature !== undefined) config.temperature = params.temperature;
  if (params.top_p !== undefined) config.topP = params.top_p;
  if (params.stop !== undefined && params.stop.length > 0) config.stopSequences = params.stop;
  if (context.output) {
    // Full JSON Schema (`responseJsonSchema`), not the OpenAPI subset of `responseSchema`.
    config.responseMimeType = 'application/json';
    config.responseJsonSchema = context.output.schema;
  }
  if (Object.keys(config).length > 0) body.generationConfig = config;
  body.labels = customIdLabels(customId);
  return body;
}
