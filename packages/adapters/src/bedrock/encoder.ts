import { DEFAULT_MAX_TOKENS, messageParams } from '../anthropic/request-params';
import type { RequestEncoder } from '../descriptor';
import type { BatchContext, UnifiedRequest } from '../types';

/** What Bedrock's InvokeModel body for an Anthropic Claude model must carry instead of a `model` member. */
export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';

/**
 * One record of a Bedrock batch input file: `{recordId, modelInput}`, `modelInput` being the InvokeModel body of the
 * job's model (the job names the model; a record never does).
 *
 * Chat is Anthropic Claude's Messages body as the Anthropic adapter builds it (system prompt, stop sequences, a forced
 * tool for structured output), with `anthropic_version` in place of `model` (Bedrock refuses a `model` member in the
 * body) and every system message in `system`. Other chat families (Llama, Mistral, Nova) have bodies of their own
 * and are not encoded here: sent to them, each record comes back as an error line, so the job says why.
 *
 * Embeddings are Amazon Titan Text Embeddings V2's body: `inputText`, and `dimensions` when the request asks for a
 * size (256, 512 or 1024; Titan refuses another size per record). Vectors come back normalised, Titan's default.
 */
export function bedrockRecord(
  customId: string,
  request: UnifiedRequest,
  context: BatchContext,
): { recordId: string; modelInput: Record<string, unknown> } {
  if (context.kind === 'embedding') {
    const dimensions = request.params?.dimensions;
    return {
      recordId: customId,
      modelInput: { inputText: request.text ?? '', ...(dimensions === undefined ? {} : { dimensions }) },
    };
  }
  const { model: _model, ...body } = messageParams(request, context, DEFAULT_MAX_TOKENS);
  return {
    recordId: customId,
    modelInput: { anthropic_version: BEDROCK_ANTHROPIC_VERSION, ...inSystem(body) },
  };
}

type Message = { role: string; content: string };

/**
 * Bedrock's Messages body (`bedrock-2023-05-31`) takes `user` and `assistant` turns only, so a system message later
 * in the conversation joins the system prompt, after the opening ones (which `messageParams` put there already).
 * Anthropic's own API, at the version its adapter sends, keeps such a message in place instead.
 */
function inSystem(body: Record<string, unknown>): Record<string, unknown> {
  const messages = body.messages as Message[];
  const late = messages.filter((message) => message.role === 'system').map((message) => message.content);
  if (late.length === 0) return body;
  const system = [...(typeof body.system === 'string' ? [body.system] : []), ...late].join('\n\n');
  const { system: _system, ...rest } = body;
  const moved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) {
    moved[key] = key === 'messages' ? messages.filter((message) => message.role !== 'system') : value;
    if (key === 'messages') moved.system = system;
  }
  return moved;
}

export const bedrockEncoder: RequestEncoder = {
  encodeLine: (customId, request, context) => JSON.stringify(bedrockRecord(customId, request, context)),
};
