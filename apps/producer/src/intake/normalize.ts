import { randomBytes, randomUUID } from 'node:crypto';
import {
  compileOutputSchema,
  descriptorOf,
  type RequestParams,
  type UnifiedRequest,
  UnsupportedPatternError,
} from '@tranche/adapters';
import { DEFAULT_CHAT_API, inputSchema, type ParsedInput, type ParsedJobHeader } from '@tranche/contracts';
import type { NewJob } from '@tranche/db';
import { canonicalJson, JobCustomIds } from './custom-id';
import type { IntakeLimits } from './limits';
import { type FieldProblem, problemsFromZod } from './validation-error';

export interface IntakeDefaults {
  pollIntervalS: number;
  timeoutH: number;
  maxAttempts: number;
}

/** The job row before its inputs are counted. */
export type JobHeaderRow = Omit<NewJob, 'status' | 'skippedDone' | 'inputCount' | 'duplicates'>;

type ParsedParams = NonNullable<ParsedInput['params']>;

function mergeParams(
  defaults: ParsedParams | undefined,
  own: ParsedParams | undefined,
): RequestParams | undefined {
  if (defaults === undefined && own === undefined) return undefined;
  const merged = { ...defaults, ...own };
  // Keys in sorted order, as the custom id's canonical JSON has them (see canonicalJson).
  const out: RequestParams = {};
  if (merged.max_tokens !== undefined) out.max_tokens = merged.max_tokens;
  if (merged.stop !== undefined) out.stop = typeof merged.stop === 'string' ? [merged.stop] : merged.stop;
  if (merged.temperature !== undefined) out.temperature = merged.temperature;
  if (merged.top_p !== undefined) out.top_p = merged.top_p;
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Why `maxTokens` is more than the provider takes for the job's model (its descriptor's `params.maxTokens`), or
 * null. Refused at intake: the batch would fail on it, and the budget would reserve output that cannot be generated.
 */
function maxTokensProblem(
  header: Pick<ParsedJobHeader, 'provider' | 'model'>,
  maxTokens: number | undefined,
): string | null {
  if (maxTokens === undefined) return null;
  const ceiling = descriptorOf(header.provider).params.maxTokens?.(header.model);
  if (!ceiling || maxTokens <= ceiling.tokens) return null;
  return `${maxTokens} is over ${ceiling.tokens}, the most ${header.provider} takes for ${header.model}: ${ceiling.reason}`;
}

/**
 * A job's `options.chat_api`, checked against what its provider's descriptor offers (`chatApis`): the option is for
 * chat jobs, on a provider that names that API; and the job's default params must be ones that API takes.
 */
function chatApiProblems(header: ParsedJobHeader): FieldProblem[] {
  const chatApi = header.options?.chat_api;
  if (chatApi === undefined) return [];
  const field = 'options.chat_api';
  if (header.kind !== 'chat') return [{ field, message: 'only for chat jobs' }];
  const offered = descriptorOf(header.provider).chatApis;
  if (!offered) return [{ field, message: `${header.provider} has one chat API: leave ${field} unset` }];
  const rules = offered[chatApi];
  if (!rules) {
    const names = Object.keys(offered).map((name) => `"${name}"`);
    return [{ field, message: `${header.provider} offers ${names.join(' or ')}, not "${chatApi}"` }];
  }
  return rules.refused
    .filter((param) => header.defaults?.params?.[param] !== undefined)
    .map((param) => ({
      field: `defaults.params.${param}`,
      message: `the ${chatApi} API (${field}) does not take ${param}`,
    }));
}

function freshRunId(): string {
  return `run-${randomBytes(8).toString('hex')}`;
}

/** The job row and every problem of the header that the schema alone could not see. */
export function normalizeHeader(
  header: ParsedJobHeader,
  defaults: IntakeDefaults,
  limits: Pick<IntakeLimits, 'minPollIntervalS'>,
  now = new Date(),
): { job: JobHeaderRow; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const pollIntervalS = header.options?.poll_interval_s;
  if (pollIntervalS !== undefined && pollIntervalS < limits.minPollIntervalS) {
    problems.push({
      field: 'options.poll_interval_s',
      message: `at least ${limits.minPollIntervalS} seconds (MIN_POLL_INTERVAL_S)`,
    });
  }
  if (!descriptorOf(header.provider).kinds.includes(header.kind)) {
    problems.push({ field: 'kind', message: `${header.provider} has no ${header.kind} batch API` });
  }
  if (header.output && header.kind === 'embedding') {
    problems.push({ field: 'output', message: 'structured output is for chat jobs' });
  }
  problems.push(...chatApiProblems(header));
  if (header.defaults?.params?.dimensions !== undefined && header.kind !== 'embedding') {
    problems.push({ field: 'defaults.params.dimensions', message: 'only for embedding jobs' });
  }
  const overMaxTokens = maxTokensProblem(header, header.defaults?.params?.max_tokens);
  if (overMaxTokens) problems.push({ field: 'defaults.params.max_tokens', message: overMaxTokens });
  if (header.output && header.output.schema.type !== 'object') {
    problems.push({ field: 'output.schema.type', message: 'the root of an output schema must be "object"' });
  } else if (header.output) {
    try {
      compileOutputSchema(header.output.schema);
    } catch (error) {
      problems.push(
        error instanceof UnsupportedPatternError
          ? { field: ['output.schema', ...error.path].join('.'), message: error.message }
          : {
              field: 'output.schema',
              message: `not a usable JSON Schema: ${error instanceof Error ? error.message : String(error)}`,
            },
      );
    }
  }
  const options = header.options ?? {};
  const storedSpec: Record<string, unknown> = {};
  if (header.defaults) storedSpec.defaults = header.defaults;
  if (header.output)
    storedSpec.output = { name: header.output.name ?? 'output', schema: header.output.schema };
  if (header.options) storedSpec.options = header.options;
  const timeoutH = options.timeout_h ?? defaults.timeoutH;
  return {
    problems,
    job: {
      id: randomUUID(),
      provider: header.provider,
      model: header.model,
      kind: header.kind,
      spec: storedSpec,
      project: header.metadata.project,
      owner: header.metadata.owner,
      environment: header.metadata.environment ?? null,
      runId: header.metadata.run_id ?? freshRunId(),
      tags: header.metadata.tags ?? {},
      maxAttempts: options.max_attempts ?? defaults.maxAttempts,
      pollIntervalS: options.poll_interval_s ?? defaults.pollIntervalS,
      timeoutAt: new Date(now.getTime() + timeoutH * 3600 * 1000),
    },
  };
}

/**
 * An input that could not even be read (a line of an NDJSON body that is not JSON, or over MAX_INPUT_BYTES): reported
 * at its position.
 */
export class UnreadableInput {
  constructor(readonly message: string) {}
}

export interface NormalizedInput {
  customId: string;
  seq: number;
  callerId: string | null;
  request: UnifiedRequest;
  requestJson: string;
  /** Bytes of requestJson. */
  requestBytes: number;
}

const PARSE_OPTIONS = {
  error: (issue: { input?: unknown; code?: string }) =>
    issue.input === undefined && issue.code === 'invalid_type' ? 'required' : undefined,
};

/**
 * Turns inputs, one at a time and in order, into requests with their custom ids. Duplicates collapse onto their
 * first occurrence; only their ids and positions are kept, so memory does not grow with document size.
 */
export class InputNormalizer {
  readonly problems: FieldProblem[] = [];
  readonly aliases = new Map<string, Array<{ seq: number; id: string | null }>>();
  private readonly seen = new Set<string>();
  private readonly customIds: JobCustomIds | null;
  count = 0;
  duplicates = 0;

  constructor(
    private readonly header: ParsedJobHeader | null,
    runId: string,
    readonly limits: Pick<IntakeLimits, 'maxInputs' | 'maxInputBytes'>,
    private readonly maxProblems = 100,
  ) {
    this.customIds = header
      ? new JobCustomIds(runId, {
          project: header.metadata.project,
          provider: header.provider,
          model: header.model,
          kind: header.kind,
          output: header.output?.schema ?? null,
          ...(header.options?.chat_api !== undefined && header.options.chat_api !== DEFAULT_CHAT_API
            ? { chatApi: header.options.chat_api }
            : {}),
        })
      : null;
  }

  /** One input more than MAX_INPUTS arrived: the caller stops reading, and the job is refused. */
  get full(): boolean {
    return this.count > this.limits.maxInputs;
  }

  /** The input as a row to write, or null (a duplicate, a problem, or one input too many). */
  add(raw: unknown): NormalizedInput | null {
    const seq = this.count++;
    if (this.full) return null;
    const at = `inputs[${seq}]`;
    if (raw instanceof UnreadableInput) {
      this.problem(at, raw.message);
      return null;
    }
    const parsed = inputSchema.safeParse(raw, PARSE_OPTIONS);
    if (!parsed.success) {
      for (const problem of problemsFromZod(parsed.error)) {
        this.problem(
          problem.field === '(job)' ? at : `${at}${problem.field.startsWith('[') ? '' : '.'}${problem.field}`,
          problem.message,
        );
      }
      return null;
    }
    if (!this.header || !this.customIds) return null;
    const before = this.problems.length;
    const request = this.toRequest(parsed.data, at);
    // The canonical text is both what the custom id hashes and what is stored: the bytes of JSON.stringify's text,
    // in sorted key order (jsonb keeps no key order anyway).
    const requestJson = canonicalJson(request);
    const bytes = Buffer.byteLength(requestJson);
    const providerLimit = descriptorOf(this.header.provider).limits.maxBytes;
    if (bytes > this.limits.maxInputBytes) {
      this.problem(at, `the request is ${bytes} bytes, over MAX_INPUT_BYTES (${this.limits.maxInputBytes})`);
    } else if (bytes > providerLimit) {
      this.problem(at, `${bytes} bytes is over ${this.header.provider}'s ${providerLimit}-byte batch limit`);
    }
    if (this.problems.length > before) return null;
    const customId = this.customIds.of(requestJson);
    const id = parsed.data.id ?? null;
    if (this.seen.has(customId)) {
      this.duplicates += 1;
      const list = this.aliases.get(customId) ?? [];
      list.push({ seq, id });
      this.aliases.set(customId, list);
      return null;
    }
    this.seen.add(customId);
    return { customId, seq, callerId: id, request, requestJson, requestBytes: bytes };
  }

  get distinct(): number {
    return this.seen.size;
  }

  private problem(field: string, message: string) {
    if (this.problems.length < this.maxProblems) this.problems.push({ field, message });
  }

  /** The vector size an embedding input asks for, if any: its own, else the job's default. */
  private embeddingDimensions(input: ParsedInput, at: string): number | undefined {
    const header = this.header!;
    const own = input.params?.dimensions;
    const fallback = header.defaults?.params?.dimensions;
    if (own !== undefined && own !== fallback && descriptorOf(header.provider).embeddingSize === 'batch') {
      this.problem(
        `${at}.params.dimensions`,
        `${header.provider} sets the vector size once per batch job: give it in defaults.params.dimensions`,
      );
    }
    return own ?? fallback;
  }

  private toRequest(input: ParsedInput, at: string): UnifiedRequest {
    const header = this.header!;
    const params = mergeParams(header.defaults?.params, input.params);
    // Params the provider's API refuses outright are refused here, before anything is paid.
    for (const param of descriptorOf(header.provider).params.refused) {
      if (params?.[param] !== undefined) {
        this.problem(`${at}.params.${param}`, `${header.provider}'s current API does not take ${param}`);
      }
    }
    // The chat API the job chose may not take some params: the job's defaults were checked with the header.
    const chatApi = header.kind === 'chat' ? header.options?.chat_api : undefined;
    const chatApiRules =
      chatApi === undefined ? undefined : descriptorOf(header.provider).chatApis?.[chatApi];
    for (const param of chatApiRules?.refused ?? []) {
      if (input.params?.[param] !== undefined) {
        this.problem(`${at}.params.${param}`, `the ${chatApi} API (options.chat_api) does not take ${param}`);
      }
    }
    // The job's default was checked with the header: only an input's own max_tokens is checked here.
    const overMaxTokens = maxTokensProblem(header, input.params?.max_tokens);
    if (overMaxTokens) this.problem(`${at}.params.max_tokens`, overMaxTokens);
    if (header.kind === 'embedding') {
      if (input.text === undefined) this.problem(`${at}.text`, 'required for an embedding job');
      for (const field of ['prompt', 'messages', 'system'] as const) {
        if (input[field] !== undefined)
          this.problem(`${at}.${field}`, 'not used by an embedding job: use text');
      }
      const dimensions = this.embeddingDimensions(input, at);
      return dimensions === undefined
        ? { text: input.text ?? '' }
        : { params: { dimensions }, text: input.text ?? '' };
    }
    if (input.params?.dimensions !== undefined)
      this.problem(`${at}.params.dimensions`, 'only for embedding jobs');
    if (input.text !== undefined)
      this.problem(`${at}.text`, 'only for embedding jobs: use prompt or messages');
    if (input.prompt === undefined && input.messages === undefined) {
      this.problem(`${at}.messages`, 'required (or prompt)');
    }
    if (input.prompt !== undefined && input.messages !== undefined) {
      this.problem(`${at}.prompt`, 'give prompt or messages, not both');
    }
    // Keys in sorted order at every depth: the request's canonical JSON (its custom id and the stored text) is then
    // JSON.stringify's, written in one go.
    const messages = input.messages
      ? input.messages.map((message) => ({ content: message.content, role: message.role }))
      : [{ content: input.prompt ?? '', role: 'user' as const }];
    const system = input.system ?? header.defaults?.system;
    const request: UnifiedRequest = { messages };
    if (params) request.params = params;
    if (system !== undefined) request.system = system;
    return request;
  }
}
