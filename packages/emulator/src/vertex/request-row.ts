import type { ModelMessage } from '../core/model';
import { contentMessages } from '../gemini-format/content-messages';
import type { GenerationSettings } from './generation-config';
import { checkGenerationConfig } from './generation-config';
import type { JobParams } from './job-params';
import { labelsProblem } from './labels';
import { field, isRecord, type Json, unknownKeys } from './proto-json';

/** A row that can run, as the deterministic model needs it. */
export interface ChatRow extends GenerationSettings {
  kind: 'chat';
  /** The `request`, echoed in the output line. */
  request: Json;
  messages: ModelMessage[];
  /** Identifies the request across batches (for `max_per_custom_id`): its labels. */
  identity: string;
}

export interface EmbeddingRow {
  kind: 'embedding';
  /** Echoed as `instance`, or null when `keyField` moves it out. */
  instance: Json | null;
  key: unknown;
  content: string;
  identity: string;
}

export type CheckedRow =
  | ChatRow
  | EmbeddingRow
  | { kind: 'invalid'; message: string; echo: { request?: unknown; instance?: unknown; key?: unknown } };

const REQUEST_FIELDS = new Set([
  'contents',
  'systemInstruction',
  'generationConfig',
  'safetySettings',
  'tools',
  'toolConfig',
  'labels',
  'cachedContent',
  'model',
]);

/** Checks one parsed input line the way the model endpoint would; a bad row fails alone with 400. */
export function checkRow(row: Json, params: JobParams): CheckedRow {
  return params.kind === 'embedding' ? checkEmbedding(row, params) : checkChat(row);
}

function checkChat(row: Json): CheckedRow {
  const request = field(row, 'request');
  if (!isRecord(request))
    return invalid('Each line must hold a "request" object.', { request: request ?? {} });
  const fail = (message: string): CheckedRow => invalid(message, { request });

  const unknown = unknownKeys(request, REQUEST_FIELDS);
  if (unknown.length > 0)
    return fail(`Invalid JSON payload received. Unknown name "${unknown[0]}": Cannot find field.`);

  const content = contentMessages(request);
  if ('problem' in content) return fail(content.problem);
  const contents = field(request, 'contents');

  const labels = field(request, 'labels');
  const problem = labelsProblem(labels);
  if (problem) return fail(`Invalid labels: ${problem}.`);

  const config = checkGenerationConfig(field(request, 'generationConfig'));
  if ('problem' in config) return fail(config.problem);

  return {
    kind: 'chat',
    request,
    messages: content.messages,
    ...config,
    identity: isRecord(labels) ? stableLabels(labels) : JSON.stringify(contents).slice(0, 512),
  };
}

function checkEmbedding(row: Json, params: JobParams): CheckedRow {
  let instance: Json | null = row;
  let key: unknown;
  if (params.keyField) {
    key = row[params.keyField];
    instance = { ...row };
    delete instance[params.keyField];
  }
  const echo = params.keyField ? { key } : { instance: row };
  const content = instance.content;
  if (typeof content !== 'string' || content === '')
    return invalid('The instance must have a non-empty "content".', echo);
  return {
    kind: 'embedding',
    instance: params.keyField ? null : row,
    key,
    content,
    identity: params.keyField ? String(key) : content.slice(0, 512),
  };
}

function invalid(
  message: string,
  echo: { request?: unknown; instance?: unknown; key?: unknown },
): CheckedRow {
  return { kind: 'invalid', message, echo };
}

function stableLabels(labels: Json): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((key) => [key, labels[key]]),
  );
}
