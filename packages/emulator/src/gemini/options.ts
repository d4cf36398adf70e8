import { z } from 'zod';

/**
 * What the Developer API's docs leave open (docs/providers/gemini.md#open-questions), switchable per emulator: as
 * factory options, or at run time with `POST /gemini/_emulator/options` (a reset restores the factory's values).
 */
export const geminiOptionsSchema = z.strictObject({
  /** A failed row's `error.code`: the HTTP status (`429`, the default) or the google.rpc.Code (`8`). */
  row_error_code: z.enum(['http', 'rpc']).optional(),
});

export type GeminiOptionsInput = z.input<typeof geminiOptionsSchema>;
export type GeminiOptions = Required<z.output<typeof geminiOptionsSchema>>;

export const DEFAULT_GEMINI_OPTIONS: GeminiOptions = { row_error_code: 'http' };

export class GeminiSwitches {
  private current: GeminiOptions;

  constructor(private readonly initial: GeminiOptions) {
    this.current = { ...initial };
  }

  get(): GeminiOptions {
    return { ...this.current };
  }

  merge(input: unknown): GeminiOptions {
    const parsed = geminiOptionsSchema.parse(input);
    for (const [key, value] of Object.entries(parsed)) {
      if (value !== undefined) Object.assign(this.current, { [key]: value });
    }
    return this.get();
  }

  reset(): void {
    this.current = { ...this.initial };
  }
}
