import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Fields that hold a credential wherever they are: keys, Authorization headers, cookies, webhook secrets, tokens. */
const SECRET_FIELDS = [
  'authorization',
  'Authorization',
  'cookie',
  'apiKey',
  'api_key',
  'key',
  'secret',
  'webhookSecret',
  'password',
  'token',
  // The Vertex adapter's credential (the others name theirs apiKey).
  'accessToken',
  'access_token',
];

/** Headers that carry a credential, as they are named in a headers object (`api-key`: Azure OpenAI's). */
const SECRET_HEADERS = ['set-cookie', 'x-api-key', 'x-goog-api-key', 'api-key'];

/**
 * Pino has no "at any depth": each path says how deep. Three levels cover a field logged as is (`{apiKey}`), inside
 * one object (`{headers: {authorization}}`) and inside two (`{req: {headers: {authorization}}}`).
 */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
  ...SECRET_HEADERS.flatMap((header) => [`headers["${header}"]`, `*.headers["${header}"]`]),
  'env',
];

export const REDACTED = '[redacted]';

/** Structured JSON logs, on stdout unless a destination is given. Anything that could carry a secret is redacted. */
export function createLogger(name: string, level: string, destination?: DestinationStream): Logger {
  const options = { name, level, redact: { paths: [...REDACT_PATHS], censor: REDACTED } };
  return destination ? pino(options, destination) : pino(options);
}
