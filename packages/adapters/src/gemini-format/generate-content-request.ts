import type { BatchContext, UnifiedRequest } from '../types';

/**
 * One chat request as a Gemini `GenerateContentRequest` in REST form (camelCase, config under `generationConfig`),
 * as Vertex AI and the Gemini Developer API both take it. Where the custom id goes is the caller's: Vertex adds
 * `labels`, which the Developer API's batch files refuse.
 */
export function generateContentRequest(
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
  return body;
}
