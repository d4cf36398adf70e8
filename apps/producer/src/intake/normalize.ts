import { randomBytes, randomUUID } from 'node:crypto';
import { PROVIDER_KINDS, PROVIDER_LIMITS, type RequestParams, type UnifiedRequest } from '@tranche/adapters';
import type { NewInput, NewJob } from '@tranche/db';
import { deriveCustomId } from './custom-id';
import type { ParsedJobSpec } from './job-schema';
import type { FieldProblem } from './validation-error';

export interface IntakeDefaults {
  pollIntervalS: number;
  timeoutH: number;
  maxAttempts: number;
}

export interface NormalizedJob {
  job: Omit<NewJob, 'status' | 'skippedDone'>;
  /** Distinct requests, in the order of their first occurrence. */
  inputs: Array<Omit<NewInput, 'state'>>;
  problems: FieldProblem[];
}

type ParsedInput = ParsedJobSpec['inputs'][number];
type ParsedParams = NonNullable<ParsedInput['params']>;

function mergeParams(
  defaults: ParsedParams | undefined,
  own: ParsedParams | undefined,
): RequestParams | undefined {
  const merged = { ...defaults, ...own };
  const out: RequestParams = {};
  if (merged.max_tokens !== undefined) out.max_tokens = merged.max_tokens;
  if (merged.temperature !== undefined) out.temperature = merged.temperature;
  if (merged.top_p !== undefined) out.top_p = merged.top_p;
  if (merged.stop !== undefined) out.stop = typeof merged.stop === 'string' ? [merged.stop] : merged.stop;
  return Object.keys(out).length > 0 ? out : undefined;
}

function toRequest(
  spec: ParsedJobSpec,
  input: ParsedInput,
  at: string,
  problems: FieldProblem[],
): UnifiedRequest {
  const params = mergeParams(spec.defaults?.params, input.params);
  if (spec.kind === 'embedding') {
    if (input.text === undefined)
      problems.push({ field: `${at}.text`, message: 'required for an embedding job' });
    for (const field of ['prompt', 'messages', 'system'] as const) {
      if (input[field] !== undefined)
        problems.push({ field: `${at}.${field}`, message: 'not used by an embedding job: use text' });
    }
    return { text: input.text ?? '' };
  }
  if (input.text !== undefined)
    problems.push({ field: `${at}.text`, message: 'only for embedding jobs: use prompt or messages' });
  if (input.prompt === undefined && input.messages === undefined) {
    problems.push({ field: `${at}.messages`, message: 'required (or prompt)' });
  }
  if (input.prompt !== undefined && input.messages !== undefined) {
    problems.push({ field: `${at}.prompt`, message: 'give prompt or messages, not both' });
  }
  const messages = input.messages ?? [{ role: 'user' as const, content: input.prompt ?? '' }];
  const system = input.system ?? spec.defaults?.system;
  return {
    ...(system !== undefined ? { system } : {}),
    messages,
    ...(params ? { params } : {}),
  };
}

function freshRunId(): string {
  return `run-${randomBytes(8).toString('hex')}`;
}

/**
 * Turns a schema-valid job into the rows to write: one request per distinct input, its custom id, and every
 * problem the schema alone could not see (each naming its field).
 */
export function normalizeJob(spec: ParsedJobSpec, defaults: IntakeDefaults, now = new Date()): NormalizedJob {
  const problems: FieldProblem[] = [];
  if (!PROVIDER_KINDS[spec.provider].includes(spec.kind)) {
    problems.push({ field: 'kind', message: `${spec.provider} has no ${spec.kind} batch API` });
  }
  if (spec.output && spec.kind === 'embedding') {
    problems.push({ field: 'output', message: 'structured output is for chat jobs' });
  }
  if (spec.output && spec.output.schema.type !== 'object') {
    problems.push({ field: 'output.schema.type', message: 'the root of an output schema must be "object"' });
  }
  const runId = spec.metadata.run_id ?? freshRunId();
  const limit = PROVIDER_LIMITS[spec.provider].maxBytes;
  const byCustomId = new Map<string, Omit<NewInput, 'state'>>();
  const inputs: Array<Omit<NewInput, 'state'>> = [];
  let duplicates = 0;
  spec.inputs.forEach((input, seq) => {
    const at = `inputs[${seq}]`;
    const request = toRequest(spec, input, at, problems);
    const requestJson = JSON.stringify(request);
    if (requestJson.length > limit) {
      problems.push({
        field: at,
        message: `${requestJson.length} bytes is over ${spec.provider}'s ${limit}-byte batch limit`,
      });
    }
    const customId = deriveCustomId(runId, {
      provider: spec.provider,
      model: spec.model,
      kind: spec.kind,
      request,
      output: spec.output?.schema ?? null,
    });
    const first = byCustomId.get(customId);
    if (first) {
      duplicates += 1;
      first.aliases = [...(first.aliases ?? []), { seq, id: input.id ?? null }];
      return;
    }
    const row = { customId, seq, callerId: input.id ?? null, aliases: null, requestJson };
    byCustomId.set(customId, row);
    inputs.push(row);
  });
  const options = spec.options ?? {};
  const timeoutH = options.timeout_h ?? defaults.timeoutH;
  const storedSpec: Record<string, unknown> = {};
  if (spec.defaults) storedSpec.defaults = spec.defaults;
  if (spec.output) storedSpec.output = { name: spec.output.name ?? 'output', schema: spec.output.schema };
  if (spec.options) storedSpec.options = spec.options;
  return {
    job: {
      id: randomUUID(),
      provider: spec.provider,
      model: spec.model,
      kind: spec.kind,
      spec: storedSpec,
      project: spec.metadata.project,
      owner: spec.metadata.owner,
      environment: spec.metadata.environment ?? null,
      runId,
      tags: spec.metadata.tags ?? {},
      maxAttempts: options.max_attempts ?? defaults.maxAttempts,
      pollIntervalS: options.poll_interval_s ?? defaults.pollIntervalS,
      inputCount: spec.inputs.length,
      duplicates,
      timeoutAt: new Date(now.getTime() + timeoutH * 3600 * 1000),
    },
    inputs,
    problems,
  };
}
