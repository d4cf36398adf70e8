import type OpenAI from 'openai';

export interface OpenAIOptions {
  apiKey: string;
  /** With `/v1`, e.g. `http://127.0.0.1:8788/openai/v1`; unset, the SDK's default. */
  baseURL?: string | undefined;
  maxRetries?: number;
  timeoutMs?: number;
  /** Request files larger than this go through the Uploads API in parts of this size (OpenAI allows 64 MB). */
  uploadPartBytes?: number;
  /**
   * Seconds after which OpenAI deletes the request files and the batches' output and error files by itself
   * (`OPENAI_FILE_EXPIRES_AFTER_S`); unset, nothing is sent and OpenAI keeps batch files 30 days.
   */
  fileExpiresAfterSeconds?: number;
}

/** The OpenAI client, made (and the SDK imported) when the transport first needs it. */
export function openAIClient(options: OpenAIOptions): () => Promise<OpenAI> {
  return async () => {
    const { default: OpenAI } = await import('openai');
    return new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      maxRetries: options.maxRetries ?? 3,
      timeout: options.timeoutMs ?? 600_000,
    });
  };
}
