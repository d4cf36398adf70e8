/**
 * The `anthropic-version` a request was made with decides how its params are validated. SDK 1.x sends
 * `2026-10-21`, which refuses `temperature`/`top_p`/`top_k` ("Extra inputs are not permitted") and accepts
 * `system` messages inside `messages`; `2023-06-01` accepts the sampling params and refuses those messages.
 * Any later date-shaped version is taken to follow `2026-10-21`, so an SDK upgrade does not break tests.
 */
export type ApiVersion = string;

const FIRST_VERSION = '2023-01-01';
const FIRST_WITHOUT_SAMPLING = '2026-10-21';

export function isApiVersion(value: string): value is ApiVersion {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && value >= FIRST_VERSION;
}

export function allowsSamplingParams(version: ApiVersion): boolean {
  return version < FIRST_WITHOUT_SAMPLING;
}

export function allowsSystemMessages(version: ApiVersion): boolean {
  return version >= FIRST_WITHOUT_SAMPLING;
}
