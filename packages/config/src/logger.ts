import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout. Anything that could carry a secret is redacted by path. */
export function createLogger(name: string, level: string): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        'apiKey',
        '*.apiKey',
        'authorization',
        '*.authorization',
        'headers.authorization',
        '*.headers.authorization',
        'env',
      ],
      censor: '[redacted]',
    },
  });
}
