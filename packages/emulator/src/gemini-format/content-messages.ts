import type { ModelMessage } from '../core/model';
import { field, isRecord, type Json } from '../vertex/proto-json';

/**
 * A `GenerateContentRequest`'s `systemInstruction` and `contents` as model messages, or the problem text the model
 * endpoint answers 400 with (each caller wraps it its own way).
 */
export function contentMessages(request: Json): { messages: ModelMessage[] } | { problem: string } {
  const messages: ModelMessage[] = [];
  const system = field(request, 'systemInstruction');
  if (system !== undefined) {
    const text = partsText(system);
    if (text === null) return { problem: 'system_instruction must have "parts".' };
    messages.push({ role: 'system', text });
  }
  const contents = field(request, 'contents');
  if (!Array.isArray(contents) || contents.length === 0) return { problem: 'contents is not specified' };
  for (const [index, content] of contents.entries()) {
    const role = isRecord(content) ? (field(content, 'role') ?? 'user') : undefined;
    if (role !== 'user' && role !== 'model') {
      return { problem: `Please use a valid role: user, model. (contents[${index}].role)` };
    }
    const text = partsText(content);
    if (text === null) return { problem: `contents[${index}].parts must not be empty.` };
    messages.push({ role: role === 'model' ? 'assistant' : 'user', text });
  }
  return { messages };
}

/** The text of a Content's parts; other kinds of parts (files, inline data) are ignored. Null when malformed. */
export function partsText(content: unknown): string | null {
  if (!isRecord(content)) return null;
  const parts = content.parts;
  const list = Array.isArray(parts) ? parts : isRecord(parts) ? [parts] : null;
  if (!list || list.length === 0) return null;
  let text = '';
  for (const part of list) {
    if (!isRecord(part)) return null;
    if (typeof part.text === 'string') text += part.text;
  }
  return text;
}
