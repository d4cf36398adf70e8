import type { EmulatorContext, EmulatorProvider } from '../core/provider';
import { requireBearer } from '../openai/auth';
import type { CompletionWindows } from '../openai/batch-params';
import { createOpenAIWireProvider } from '../openai/provider';
import type { WireFile } from '../openai/types';
import { groqBatchList } from './batch-list';

export const GROQ_PREFIX = '/groq';

/**
 * "Durations from `24h` to `7d`": hours (`24h` to `168h`) or days (`1d` to `7d`). Groq's examples show only `24h`
 * and `7d`; which other spellings it takes is not documented, so the emulator takes any duration in the range.
 */
export const GROQ_COMPLETION_WINDOWS: CompletionWindows = {
  seconds(value) {
    const match = /^([1-9]\d{0,2})([hd])$/.exec(value);
    if (!match) return null;
    const hours = Number(match[1]) * (match[2] === 'd' ? 24 : 1);
    return hours >= 24 && hours <= 7 * 24 ? hours * 3600 : null;
  },
  supported: "durations from '24h' to '7d'",
};

/** A file as Groq shows it: these six fields only (no `status`, `status_details` or `expires_at`). */
function groqFile(file: WireFile) {
  const { id, object, bytes, created_at, filename, purpose } = file;
  return { id, object, bytes, created_at, filename, purpose };
}

/**
 * Groq's batch API, OpenAI's Files and Batches wire at `/groq/openai/v1` (so that `GROQ_BASE_URL` is the emulator's
 * `…/groq/openai/v1`, as the real one is `https://api.groq.com/openai/v1`). Its own: a completion window from 24 h to
 * 7 days, with `expires_at` at its end; the batch list paged with `cursor` and `paging.next_cursor` (no `has_more`),
 * or by `id`; file objects without `status`, listed all at once; no Uploads API; `errors` of a failed batch as a bare
 * array, as its guide shows them; 50,000 lines a file.
 */
export function createGroqProvider(ctx: EmulatorContext): EmulatorProvider {
  return createOpenAIWireProvider(ctx, {
    name: 'groq',
    prefix: GROQ_PREFIX,
    mountPath: `${GROQ_PREFIX}/openai/v1`,
    auth: requireBearer,
    clientEnv: (url) => ({ GROQ_BASE_URL: `${url}${GROQ_PREFIX}/openai/v1` }),
    uploads: false,
    files: { view: groqFile, wholeList: true },
    batchList: groqBatchList,
    batches: {
      expiresAt: true,
      completionWindows: GROQ_COMPLETION_WINDOWS,
      errors: 'array',
      // The code of a file over the cap is not documented: the emulator's own, as for OpenAI.
      maxRequests: { count: 50_000, code: 'batch_too_large' },
      // Groq publishes no queue budget for batches.
      queueLimit: () => null,
    },
  });
}
