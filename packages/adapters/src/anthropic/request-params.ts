import type { BatchContext, UnifiedRequest } from '../types';

/** Anthropic requires `max_tokens`; an input that sets none gets this. */
export const DEFAULT_MAX_TOKENS = 1024;

type Message = { role: 'user' | 'assistant' | 'system'; content: string };

/**
 * One input as Messages API params (untyped: the SDK's types no longer list `temperature`/`top_p`). The system prompt goes to `params.system`, together with any system
 * messages that open the conversation; a later system message stays in place (API 2026-10-21 accepts
 * them there). Structured output is a forced call of a tool whose `input_schema` is the job's schema.
 */
export function messageParams(
  request: UnifiedRequest,
  context: BatchContext,
  defaultMaxTokens = DEFAULT_MAX_TOKENS,
): Record<string, unknown> {
  const system: string[] = request.system === undefined ? [] : [request.system];
  const messages: Message[] = [];
  for (const message of request.messages ?? []) {
    if (message.role === 'system' && messages.length === 0) system.push(message.content);
    else messages.push({ role: message.role, content: message.content });
  }
  const input = request.params ?? {};
  const params: Record<string, unknown> = {
    model: context.model,
    max_tokens: input.max_tokens ?? defaultMaxTokens,
    messages,
  };
  if (system.length > 0) params.system = system.join('\n\n');
  if (input.stop !== undefined && input.stop.length > 0) params.stop_sequences = input.stop;
  // API 2026-10-21 (what this SDK sends) refuses both on every model: such an input comes back as an
  // errored invalid_request_error. They are passed on rather than dropped, so nobody gets a silent default.
  if (input.temperature !== undefined) params.temperature = input.temperature;
  if (input.top_p !== undefined) params.top_p = input.top_p;
  if (context.output) {
    params.tools = [
      {
        name: context.output.name,
        description: 'Report the answer in the required JSON structure.',
        input_schema: context.output.schema,
      },
    ];
    params.tool_choice = { type: 'tool', name: context.output.name };
  }
  return params;
}
