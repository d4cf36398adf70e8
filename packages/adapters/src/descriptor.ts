import type { z } from 'zod';
import type {
  BatchContext,
  BatchTransport,
  ChatApi,
  JobKind,
  Provider,
  ProviderLimits,
  RequestParams,
  UnifiedRequest,
} from './types';

/**
 * Everything the service knows about one provider, in one place: intake, dry runs, estimates, quotas, the worker,
 * the demo and the tests all read it from here (providers.ts lists them). Only `createTransport` calls out.
 */
export interface ProviderDescriptor<P extends Provider = Provider, Options = unknown> {
  readonly name: P;
  /** The provider as people name it: `OpenAI`, `Vertex AI`. */
  readonly label: string;
  /** The kinds of work its batch API runs. */
  readonly kinds: readonly JobKind[];
  readonly limits: ProviderBatchLimits;
  /**
   * Where an embedding's vector size is set: on each request (OpenAI's `dimensions`), once for the whole batch job
   * (Vertex's `outputDimensionality`: one size per job), or nowhere (no embeddings).
   */
  readonly embeddingSize: 'request' | 'batch' | null;
  readonly env: ProviderEnvSpec<Options>;
  readonly encoder: RequestEncoder;
  readonly params: RequestParamRules;
  /**
   * The chat APIs a job may choose with `options.chat_api` (its own default among them), each with the params that
   * API does not take on top of `params.refused`. Unset: the provider has one chat API, and intake refuses the option.
   */
  readonly chatApis?: Readonly<Partial<Record<ChatApi, ChatApiRules>>>;
  readonly estimate: TokenEstimatePolicy;
  /** Models the demo, the bench and the emulator-backed tests use when none is named. */
  readonly demo: { readonly chatModel: string };
  /**
   * The provider's API client, made from the options `env.options` read. Its SDK is imported at its first call, not
   * here: a process that never talks to the provider never loads it.
   */
  createTransport(options: Options, settings: TransportSettings): BatchTransport;
}

/**
 * One request as one line of the provider's request file. Pure: no client, no credentials, no I/O, and its module
 * imports no SDK (providers.test.ts checks it), so the API encodes lines for dry runs without any of those.
 */
export interface RequestEncoder {
  /** No trailing newline. Default params (`RequestParamRules.defaultMaxTokens`) are applied here, never stored. */
  encodeLine(customId: string, request: UnifiedRequest, context: BatchContext): string;
}

/** What every transport takes from the worker's settings, whatever its provider. */
export interface TransportSettings {
  /** A result download that sends nothing for this long is abandoned (`RESULT_DOWNLOAD_IDLE_TIMEOUT_MS`). */
  resultIdleTimeoutMs?: number | undefined;
}

/**
 * A provider's hard limits on one batch (docs/providers/README.md#limits). Where its docs say "200 MB" without
 * saying which megabyte, the decimal one: the stricter reading never gets a batch refused.
 */
export interface ProviderBatchLimits extends ProviderLimits {
  /** Its published budget of work in flight in its batch queue, by usage tier, when it publishes one. */
  readonly inFlight?: InFlightQuota;
}

/**
 * A provider's published default for work in flight in its batch queue (docs/quotas.md says where each figure comes
 * from). An organisation's own limits may differ: its provider's console shows them, and PROVIDER_QUOTAS sets them.
 */
export interface InFlightQuota {
  /** The variable naming the operator's usage tier (1 = the first figure): one of the descriptor's env variables. */
  readonly tierVariable: string;
  readonly unit: 'tokens' | 'requests' | 'batches';
  /**
   * `provider`: one budget shared by all of its models. `model`: a budget per listed model family, which a model's
   * dated snapshots (`gpt-4o-mini-2024-07-18`) and fine-tunes count against.
   */
  readonly figures:
    | { readonly scope: 'provider'; readonly byTier: readonly number[] }
    | { readonly scope: 'model'; readonly byFamily: Readonly<Record<string, readonly number[]>> };
}

export interface ProviderEnvSpec<Options> {
  /** This provider's variables, every one optional: a worker without them just does not serve the provider. */
  readonly schema: z.ZodObject;
  /** The transport's options from the parsed environment, or the first required variable that is missing. */
  options(env: Readonly<Record<string, unknown>>): { options: Options } | { missing: string };
  /** Variables that, all set, mean the real provider is used (and billed): the demo warns before it starts. */
  readonly realWhen: readonly string[];
  /** Where the real provider is, for that warning. */
  readonly realEndpoint: string;
  /** The variables that point this provider at the emulator listening at `emulatorUrl` (no trailing slash). */
  emulator(emulatorUrl: string): Record<string, string>;
  /**
   * Where Tranche tells the provider to delete its files by itself after a while (OpenAI's `expires_after`): why that
   * while is too short, when it is, for files Tranche keeps there `retentionS` seconds after their results are
   * stored (PROVIDER_FILE_RETENTION_H). The worker refuses to start on such a problem.
   */
  fileExpiryProblem?(
    env: Readonly<Record<string, unknown>>,
    retentionS: number,
  ): { variable: string; message: string } | null;
}

export interface RequestParamRules {
  /** Params its current API refuses outright: intake refuses them, before anything is paid. */
  readonly refused: readonly (keyof RequestParams)[];
  /** The `max_tokens` its encoder sends for a request that sets none (a provider that requires one); else null. */
  readonly defaultMaxTokens: number | null;
  /**
   * The most `max_tokens` a batch request of `model` may ask for, and why (for the refusal): intake refuses more,
   * so that the batch does not fail on it and the budget never reserves more than can be generated. Unset: no bound
   * beyond the API's own.
   */
  readonly maxTokens?: (model: string) => { readonly tokens: number; readonly reason: string };
}

export interface ChatApiRules {
  /** Params this API does not take (OpenAI's Responses API has no `stop`): intake refuses them for such jobs. */
  readonly refused: readonly (keyof RequestParams)[];
}

/**
 * How a request's tokens are estimated before it is sent. The shape of @tranche/pricing's `TokenEstimatePolicy`,
 * restated because adapters does not depend on pricing: the API hands one to the other (job-estimate.ts), so the two
 * cannot drift apart without a type error there.
 */
export interface TokenEstimatePolicy {
  /** `tiktoken`: OpenAI's encodings, picked by model; `approximation`: the provider's tokenizer is not public. */
  readonly tokenizer: 'tiktoken' | 'approximation';
  /**
   * What a chat request without `max_tokens` may generate at most: the model's own limit from OpenAI's model specs
   * (`openai-models`) or from the Gemini family (`gemini-models`), or a fixed figure and where it comes from.
   */
  readonly maxOutput:
    | 'openai-models'
    | 'gemini-models'
    | { readonly tokens: number; readonly source: string };
}
