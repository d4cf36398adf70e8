/**
 * Token estimates of a request before it is sent: OpenAI's own tokenizers (gpt-tokenizer) for OpenAI models, a
 * documented approximation for the other providers, whose tokenizers are not public.
 */

import { textSlices } from './text-slices';

export type TokenizerName = 'o200k_base' | 'cl100k_base' | 'approximation';

/**
 * How one provider's requests are estimated: its caller takes it from the provider's descriptor (@tranche/adapters),
 * so nothing here knows a provider by name.
 */
export interface TokenEstimatePolicy {
  /**
   * `tiktoken`: OpenAI's encodings (o200k_base, cl100k_base), picked by model; `approximation`: the provider's
   * tokenizer is not public.
   */
  readonly tokenizer: 'tiktoken' | 'approximation';
  /**
   * What a chat request without `max_tokens` may generate at most: the model's own limit from OpenAI's model specs
   * (`openai-models`) or from the Gemini family (`gemini-models`), or a fixed figure and where it comes from.
   */
  readonly maxOutput: 'openai-models' | 'gemini-models' | OutputLimit;
}

/** The parts of a request that are billed as input (the shape of `UnifiedRequest` in @tranche/adapters). */
export interface TokenizableRequest {
  system?: string;
  messages?: ReadonlyArray<{ role: string; content: string }>;
  text?: string;
  params?: { max_tokens?: number };
}

export interface TokenEstimator {
  readonly tokenizer: TokenizerName;
  /** Estimated prompt tokens of one request. */
  inputTokens(request: TokenizableRequest): number;
  /** `max_tokens` of a request that sets none: what the provider may generate at most (0 for embeddings). */
  readonly defaultMaxOutputTokens: number;
  /** Where `defaultMaxOutputTokens` comes from, for messages. */
  readonly defaultMaxOutputSource: string;
}

/**
 * OpenAI's chat format (the cookbook's "How to count tokens with tiktoken"): every message costs 3 tokens
 * (`<|start|>`, `<|message|>`, `<|end|>`) plus its role, and every reply is primed with 3 more.
 */
export const CHAT_TOKENS_PER_MESSAGE = 3;
export const CHAT_TOKENS_PER_REPLY = 3;

/** The approximation: this many UTF-8 bytes make a token (English prose averages about 4 on current tokenizers). */
export const APPROX_BYTES_PER_TOKEN = 4;
/** The approximation's overhead per message: role and delimiters, as in OpenAI's format. */
export const APPROX_TOKENS_PER_MESSAGE = 4;

// Models from gpt-4o on use o200k_base; gpt-4, gpt-3.5 and the text-embedding models cl100k_base.
const CL100K_MODELS = /^(?:gpt-4(?:$|-)|gpt-3\.5|text-embedding-|davinci-002|babbage-002)/;

/** `ft:gpt-4o-mini:org::id` is tokenized as its base model. */
function baseOpenAiModel(model: string): string {
  return model.trim().replace(/^ft:/, '').split(':')[0]!;
}

export function tokenizerFor(policy: TokenEstimatePolicy, model: string): TokenizerName {
  if (policy.tokenizer === 'approximation') return 'approximation';
  return CL100K_MODELS.test(baseOpenAiModel(model)) ? 'cl100k_base' : 'o200k_base';
}

/** ceil(UTF-8 bytes / 4): the approximation for one piece of text. */
export function approximateTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text) / APPROX_BYTES_PER_TOKEN);
}

interface Encoding {
  countTokens(text: string, options: { disallowedSpecial: Set<string> }): number;
}

// Text that looks like a special token (`<|endoftext|>`) is plain text to the API, and must count as such.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

const encodings = new Map<TokenizerName, Promise<Encoding>>();

/** Each encoding's ranks (a few MB) load once per process, on first use. */
function loadEncoding(name: 'o200k_base' | 'cl100k_base'): Promise<Encoding> {
  let loading = encodings.get(name);
  if (!loading) {
    loading =
      name === 'o200k_base'
        ? import('gpt-tokenizer/encoding/o200k_base')
        : import('gpt-tokenizer/encoding/cl100k_base');
    encodings.set(name, loading);
  }
  return loading;
}

function chatMessages(request: TokenizableRequest): Array<{ role: string; content: string }> {
  const messages = request.system !== undefined ? [{ role: 'system', content: request.system }] : [];
  return [...messages, ...(request.messages ?? [])];
}

/** Contents counted once and remembered: the system prompt and few-shot turns most jobs repeat on every input. */
const REPEATED_CONTENT_LIMIT = 256;

/**
 * Longest text handed to the tokenizer at once: its cost grows with the square of a run without spaces or
 * punctuation, so longer text is counted slice by slice (see text-slices.ts; the error bound is in docs/costs.md).
 */
export const TOKENIZER_SLICE_CHARS = 1000;

/** `countTokens` of `text`, never called on more than `sliceChars` characters at a time. */
export function countInSlices(
  text: string,
  countTokens: (slice: string) => number,
  sliceChars = TOKENIZER_SLICE_CHARS,
): number {
  if (text.length <= sliceChars) return countTokens(text);
  let total = 0;
  for (const { start, end } of textSlices(text, sliceChars)) total += countTokens(text.slice(start, end));
  return total;
}

function tokenizerCounter(encoding: Encoding): (request: TokenizableRequest) => number {
  const countSlice = (slice: string) => encoding.countTokens(slice, PLAIN_TEXT);
  const count = (text: string) => countInSlices(text, countSlice);
  const remembered = new Map<string, number>();
  const countRepeated = (text: string) => {
    let n = remembered.get(text);
    if (n === undefined) {
      n = count(text);
      if (remembered.size >= REPEATED_CONTENT_LIMIT) remembered.clear();
      remembered.set(text, n);
    }
    return n;
  };
  return (request) => {
    if (request.text !== undefined && request.messages === undefined) return count(request.text);
    const messages = chatMessages(request);
    let total = CHAT_TOKENS_PER_REPLY;
    for (const [i, message] of messages.entries()) {
      // The last message is the one that differs from input to input.
      const content = i === messages.length - 1 ? count(message.content) : countRepeated(message.content);
      total += CHAT_TOKENS_PER_MESSAGE + countRepeated(message.role) + content;
    }
    return total;
  };
}

function approximateCounter(request: TokenizableRequest): number {
  if (request.text !== undefined && request.messages === undefined) return approximateTokens(request.text);
  let total = CHAT_TOKENS_PER_REPLY;
  for (const message of chatMessages(request)) {
    total += APPROX_TOKENS_PER_MESSAGE + approximateTokens(message.content);
  }
  return total;
}

/** An OpenAI model gpt-tokenizer does not know: the largest output of current models (gpt-5). */
const OPENAI_UNKNOWN_MAX_OUTPUT = 128_000;

export interface OutputLimit {
  readonly tokens: number;
  /** Where the figure comes from, for messages. */
  readonly source: string;
}

async function openAiOutputLimit(model: string): Promise<OutputLimit> {
  const specs = (await import('gpt-tokenizer/models')) as unknown as Record<
    string,
    { max_output_tokens?: number } | undefined
  >;
  const base = baseOpenAiModel(model);
  const candidates = [base, base.replace(/-\d{4}-\d{2}-\d{2}$/, '')];
  for (const name of candidates) {
    const tokens = specs[name]?.max_output_tokens;
    if (tokens) return { tokens, source: `the most ${name} can generate` };
  }
  return { tokens: OPENAI_UNKNOWN_MAX_OUTPUT, source: 'the most current OpenAI models can generate' };
}

function geminiOutputLimit(model: string): OutputLimit {
  const bare = model.replace(/^.*\//, '');
  if (/^gemini-(?:1\.|2\.0)/.test(bare)) return { tokens: 8_192, source: `the most ${bare} can generate` };
  return { tokens: 65_536, source: `the most ${bare} can generate` };
}

/** What a request without `max_tokens` may generate at most. */
export async function defaultOutputLimit(
  policy: TokenEstimatePolicy,
  model: string,
  kind: 'chat' | 'embedding',
): Promise<OutputLimit> {
  if (kind === 'embedding') return { tokens: 0, source: 'embeddings generate no tokens' };
  if (policy.maxOutput === 'openai-models') return openAiOutputLimit(model);
  if (policy.maxOutput === 'gemini-models') return geminiOutputLimit(model);
  return policy.maxOutput;
}

/**
 * One estimator per job: loads the tokenizer (once per process) and the output limit of the model. `exact: false`
 * takes the approximation for every provider: OpenAI's encodings keep ~100 MB resident once loaded, and cost ~10% of
 * an intake, which a job whose estimate nothing depends on need not pay.
 */
export async function loadTokenEstimator(
  policy: TokenEstimatePolicy,
  model: string,
  kind: 'chat' | 'embedding',
  exact = true,
): Promise<TokenEstimator> {
  const tokenizer = exact ? tokenizerFor(policy, model) : 'approximation';
  const [count, limit] = await Promise.all([
    tokenizer === 'approximation'
      ? Promise.resolve(approximateCounter)
      : loadEncoding(tokenizer).then(tokenizerCounter),
    defaultOutputLimit(policy, model, kind),
  ]);
  return {
    tokenizer,
    inputTokens: count,
    defaultMaxOutputTokens: limit.tokens,
    defaultMaxOutputSource: limit.source,
  };
}
