import { z } from 'zod';

/**
 * Behaviours Mistral's docs leave open (docs/providers/mistral.md#open-questions), switchable per emulator: as
 * factory options, or at run time with `POST /mistral/_emulator/options` (a reset restores the factory's values).
 */
export const mistralOptionsSchema = z.strictObject({
  /**
   * How a failed request is written to the error file:
   * - `string_body` (seen live): `response: {status_code: 4xx/5xx, body: "<JSON of Mistral's error object>"}, error: null`;
   * - `openai_envelope`: OpenAI's shape, `response: {status_code, body: {error: {message, type, param, code}}}, error: null`;
   * - `top_level_error`: no `response`, `error: {message, type, param, code, raw_status_code}`.
   */
  error_line_shape: z.enum(['string_body', 'openai_envelope', 'top_level_error']).optional(),
  /**
   * The SDK sends a `metadata` filter as exploded form keys (`?tranche_chunk_key=…`); whether the API honours
   * that (or only JSON in `metadata=`) is unknown. `honoured` filters on either form, `ignored` lists everything.
   */
  list_metadata_filter: z.enum(['honoured', 'ignored']).optional(),
  /**
   * Whether an inline job (requests in the create body) also gets an output and an error file, or keeps its results
   * in `outputs` (`?inline=true`) only: the docs do not say. Read when the job is created.
   */
  inline_result_files: z.enum(['written', 'outputs_only']).optional(),
});

export type MistralOptionsInput = z.input<typeof mistralOptionsSchema>;
export type MistralOptions = Required<z.output<typeof mistralOptionsSchema>>;
export type ErrorLineShape = MistralOptions['error_line_shape'];

export const DEFAULT_MISTRAL_OPTIONS: MistralOptions = {
  error_line_shape: 'string_body',
  list_metadata_filter: 'honoured',
  inline_result_files: 'written',
};

/** Mutable switches shared by the routes; `merge` throws a ZodError on a malformed body. */
export class MistralSwitches {
  private current: MistralOptions;

  constructor(private readonly initial: MistralOptions) {
    this.current = { ...initial };
  }

  get(): MistralOptions {
    return { ...this.current };
  }

  merge(input: unknown): MistralOptions {
    const parsed = mistralOptionsSchema.parse(input);
    for (const [key, value] of Object.entries(parsed)) {
      if (value !== undefined) Object.assign(this.current, { [key]: value });
    }
    return this.get();
  }

  reset(): void {
    this.current = { ...this.initial };
  }
}
