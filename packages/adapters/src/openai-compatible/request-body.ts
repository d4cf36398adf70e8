import type { BatchContext, UnifiedRequest } from '../types';

export interface CompatibleDialect {
  /** OpenAI's current models take `max_completion_tokens` (reasoning models reject `max_tokens`); Mistral takes `max_tokens`. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
  /** Whether the model goes in every line's body (OpenAI) or once on the job (Mistral accepts both). */
  modelInBody: boolean;
  /** The embedding size's name: OpenAI's `dimensions`, Mistral's `output_dimension`. */
  dimensionsField: 'dimensions' | 'output_dimension';
  /**
   * How embeddings come back: `base64` (the float32 bytes, less than half the size of decimal text) where a batch
   * line's body is the embeddings endpoint's own, which takes `encoding_format` (OpenAI); `float` (the default,
   * nothing sent) elsewhere.
   */
  embeddingEncoding: 'base64' | 'float';
}

export function chatMessages(request: UnifiedRequest): Array<{ role: string; content: string }> {
  const messages: Array<{ role: string; content: string }> = [];
  if (request.system !== undefined) messages.push({ role: 'system', content: request.system });
  for (const message of request.messages ?? [])
    messages.push({ role: message.role, content: message.content });
  return messages;
}

/** The body of one chat or embeddings request in the OpenAI wire format, which Mistral shares. */
export function compatibleBody(
  request: UnifiedRequest,
  context: BatchContext,
  dialect: CompatibleDialect,
): Record<string, unknown> {
  const body: Record<string, unknown> = dialect.modelInBody ? { model: context.model } : {};
  if (context.kind === 'embedding') {
    body.input = request.text ?? '';
    const dimensions = request.params?.dimensions;
    if (dimensions !== undefined) body[dialect.dimensionsField] = dimensions;
    if (dialect.embeddingEncoding === 'base64') body.encoding_format = 'base64';
    return body;
  }
  body.messages = chatMessages(request);
  const params = request.params ?? {};
  if (params.max_tokens !== undefined) body[dialect.maxTokensField] = params.max_tokens;
  if (params.temperature !== undefined) body.temperature = params.temperature;
  if (params.top_p !== undefined) body.top_p = params.top_p;
  if (params.stop !== undefined && params.stop.length > 0) body.stop = params.stop;
  if (context.output) {
    body.response_format = {
      type: 'json_schema',
      json_schema: { name: context.output.name, schema: context.output.schema, strict: true },
    };
  }
  return body;
}
