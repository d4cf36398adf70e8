import type { BatchContext, UnifiedRequest } from '../types';

/**
 * The body of one chat request for OpenAI's Responses API (`POST /v1/responses`, `ResponseCreateParams` in the SDK):
 * the system prompt as `instructions`, the conversation as `input` messages, `max_output_tokens`, and structured
 * output as a strict `text.format` JSON schema. `stop` is no Responses parameter: intake refuses it for such jobs
 * (the descriptor's `chatApis.responses.refused`), so it never reaches here.
 */
export function responsesBody(request: UnifiedRequest, context: BatchContext): Record<string, unknown> {
  const body: Record<string, unknown> = { model: context.model };
  if (request.system !== undefined) body.instructions = request.system;
  body.input = (request.messages ?? []).map((message) => ({ role: message.role, content: message.content }));
  const params = request.params ?? {};
  if (params.max_tokens !== undefined) body.max_output_tokens = params.max_tokens;
  if (params.temperature !== undefined) body.temperature = params.temperature;
  if (params.top_p !== undefined) body.top_p = params.top_p;
  // A batch answer is read from the output file: the response need not also be stored for 30 days at OpenAI.
  body.store = false;
  if (context.output) {
    body.text = {
      format: { type: 'json_schema', name: context.output.name, schema: context.output.schema, strict: true },
    };
  }
  return body;
}
