import { type ChatApi, PROVIDERS, type Provider } from '@tranche/adapters';

export interface ConformanceTarget extends HandTarget {
  provider: Provider;
}

/**
 * Synchronous USD per million tokens. A batch costs half on every provider; `cachedInput` and `cacheWrite` default to
 * `input` (the provider bills no cache rate apart).
 */
export interface HandPrices {
  input: string;
  output: string;
  cachedInput?: string;
  cacheWrite?: string;
  /** Gemini on Vertex: cached tokens are billed at the cached rate, and the batch discount does not stack on it. */
  noBatchDiscountOnCached?: boolean;
}

/**
 * What the suite checks each provider against, copied by hand from its documentation and pricing pages (never read
 * from the code it checks). A provider without its entry here fails typecheck.
 */
interface HandTarget {
  model: string;
  /**
   * How long after the batch reports its running state some requests have finished, in emulator steps: the
   * Anthropic emulator (like Anthropic) queues for a step inside `in_progress` before requests start ending.
   */
  stepsToPartialProgress: number;
  /** The model's list prices, copied by hand from the provider's pricing page (not read from the price table). */
  prices: HandPrices;
  /** Its batch's `provider_status` once requests run. */
  runningStatus: string;
  /**
   * An expired batch gives back nothing, not even the requests that finished before it expired (the Gemini API: it
   * "will not have any results to retrieve"), so every one of its requests is sent again.
   */
  expiredBatchHasNoResults?: true;
  /** The model as the provider's request names it (the emulator seeds its vectors by that name). */
  requestModel(model: string): string;
  /** The path (under the provider's mount in the emulator) of the call that creates a batch, as a pattern. */
  createPath: string;
  /**
   * The chat APIs its batches run that a job picks with `options.chat_api`, and the params each does not take; unset
   * where the provider has one chat API.
   */
  chatApis?: Partial<Record<ChatApi, { refused: string[] }>>;
  /**
   * The fewest requests one batch may hold, where the provider refuses fewer (AWS Bedrock: a batch inference job takes
   * at least 100 records). The suite pads smaller jobs up to it; a retry round under it fails with that reason.
   */
  minRequests?: number;
  embedding: {
    /** An embedding model, or `none` where the provider has no embedding batch API. */
    model: string;
    /**
     * The vectors that model gives (`dimensions`); and a model of the provider that gives a smaller size when asked
     * (`params.dimensions`), with where the provider sets it (per request, or once for the batch job).
     */
    sizes: {
      dimensions: number;
      resizable: string;
      scope: 'request' | 'batch';
      /** The size one request asks for apart from the others, where sizes are per request: 128 unless set. */
      own?: number;
    } | null;
    /** Its price (USD per million input tokens), when it has one. */
    prices: HandPrices | null;
  };
}

const sameName = (model: string) => model;

const HAND_TARGETS: Record<Provider, HandTarget> = {
  openai: {
    model: 'gpt-4o-mini',
    stepsToPartialProgress: 0.5,
    prices: { input: '0.15', output: '0.60', cachedInput: '0.075' },
    runningStatus: 'in_progress',
    requestModel: sameName,
    createPath: '^/batches$',
    // The batch guide's endpoints include /v1/responses; a Response takes no `stop` (ResponseCreateParams).
    chatApis: { chat_completions: { refused: [] }, responses: { refused: ['stop'] } },
    embedding: {
      model: 'text-embedding-3-small',
      sizes: { dimensions: 1536, resizable: 'text-embedding-3-small', scope: 'request' },
      prices: { input: '0.02', output: '0' },
    },
  },
  anthropic: {
    model: 'claude-sonnet-4-5',
    stepsToPartialProgress: 1.5,
    prices: { input: '3', output: '15', cachedInput: '0.30', cacheWrite: '3.75' },
    runningStatus: 'in_progress',
    requestModel: sameName,
    createPath: '^/v1/messages/batches$',
    embedding: { model: 'none', sizes: null, prices: null },
  },
  mistral: {
    model: 'mistral-small-latest',
    stepsToPartialProgress: 0.5,
    prices: { input: '0.1', output: '0.3' },
    runningStatus: 'RUNNING',
    requestModel: sameName,
    createPath: '^/v1/batch/jobs$',
    embedding: {
      model: 'mistral-embed',
      sizes: { dimensions: 1024, resizable: 'codestral-embed', scope: 'request' },
      prices: { input: '0.1', output: '0' },
    },
  },
  vertex: {
    model: 'gemini-2.5-flash',
    stepsToPartialProgress: 0.5,
    prices: { input: '0.30', output: '2.50', cachedInput: '0.03', noBatchDiscountOnCached: true },
    runningStatus: 'JOB_STATE_RUNNING',
    requestModel: (model) => `publishers/google/models/${model}`,
    createPath: '^/v1/projects/[^/]+/locations/[^/]+/batchPredictionJobs$',
    embedding: {
      // Deliberately not in the price table: its results are stored with no cost, and counted as unpriced.
      model: 'text-embedding-005',
      sizes: { dimensions: 768, resizable: 'text-embedding-005', scope: 'batch' },
      prices: null,
    },
  },
  // A Global Batch deployment named after its model (the job's model is the deployment's name). Global Standard
  // list prices; whether the batch discount applies to cached input is not documented: billed undiscounted.
  azure: {
    model: 'gpt-4o-mini',
    stepsToPartialProgress: 0.5,
    prices: { input: '0.15', output: '0.60', cachedInput: '0.075', noBatchDiscountOnCached: true },
    runningStatus: 'in_progress',
    requestModel: sameName,
    createPath: '^/batches$',
    embedding: { model: 'none', sizes: null, prices: null },
  },
  // The Gemini Developer API (ai.google.dev/gemini-api/docs/pricing): its own prices, not Vertex's; a batch cache
  // hit pays the standard context caching rate.
  gemini: {
    model: 'gemini-2.5-flash',
    stepsToPartialProgress: 0.5,
    prices: { input: '0.30', output: '2.50', cachedInput: '0.03', noBatchDiscountOnCached: true },
    runningStatus: 'BATCH_STATE_RUNNING',
    expiredBatchHasNoResults: true,
    requestModel: sameName,
    createPath: '^/v1beta/models/[^/]+:(batchGenerateContent|asyncBatchEmbedContent)$',
    embedding: {
      model: 'gemini-embedding-001',
      sizes: { dimensions: 3072, resizable: 'gemini-embedding-001', scope: 'request' },
      prices: { input: '0.15', output: '0' },
    },
  },
  // Together AI (together.ai/pricing): Llama 3.3 70B Turbo is on the batch overview's list of models a batch bills at
  // half price (others pay the full rate); no cached-input rate, so cached tokens pay the input rate. Chat only.
  together: {
    model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
    stepsToPartialProgress: 0.5,
    prices: { input: '0.88', output: '0.88' },
    runningStatus: 'IN_PROGRESS',
    requestModel: sameName,
    createPath: '^/v1/batches$',
    embedding: { model: 'none', sizes: null, prices: null },
  },
  // Groq (groq.com/pricing): a batch bills half of every token, cached ones included (the discount replaces the
  // prompt caching one). Chat only.
  groq: {
    model: 'llama-3.1-8b-instant',
    stepsToPartialProgress: 0.5,
    prices: { input: '0.05', output: '0.08' },
    runningStatus: 'in_progress',
    requestModel: sameName,
    createPath: '^/batches$',
    embedding: { model: 'none', sizes: null, prices: null },
  },
  // AWS Bedrock (aws.amazon.com/bedrock/pricing): Claude 3.5 Haiku's on-demand rates, a batch billing half of them;
  // cache reads 0.1x and writes 1.25x the input rate. Titan Text Embeddings V2 gives 1,024 dimensions unless asked
  // for 512 or 256 in each record.
  bedrock: {
    model: 'anthropic.claude-3-5-haiku-20241022-v1:0',
    stepsToPartialProgress: 0.5,
    prices: { input: '0.80', output: '4', cachedInput: '0.08', cacheWrite: '1' },
    runningStatus: 'InProgress',
    requestModel: sameName,
    createPath: '^/model-invocation-job$',
    // "The minimum number of records per batch inference job": 100 (Bedrock's batch inference quotas).
    minRequests: 100,
    embedding: {
      model: 'amazon.titan-embed-text-v2:0',
      // Titan Text Embeddings V2 takes `dimensions` of 1,024, 512 or 256 only.
      sizes: { dimensions: 1024, resizable: 'amazon.titan-embed-text-v2:0', scope: 'request', own: 512 },
      prices: { input: '0.02', output: '0' },
    },
  },
};

export const TARGETS: ConformanceTarget[] = PROVIDERS.map((provider) => ({
  provider,
  ...HAND_TARGETS[provider],
}));
