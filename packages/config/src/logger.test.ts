import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED } from './logger';

/** A logger writing into an array, one parsed line per log call. */
function capture(): {
  log: ReturnType<typeof createLogger>;
  lines: () => Array<Record<string, unknown>>;
  raw: string[];
} {
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      raw.push(String(chunk));
      done();
    },
  });
  const log = createLogger('test', 'info', sink);
  return {
    log,
    raw,
    lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

const SECRET = 'trk_abcd1234_s3cr3t-value-that-must-not-be-logged-xxxxxxxxxxxxxx';

function at(object: unknown, path: string[]): unknown {
  return path.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], object);
}

function nest(path: string[], value: unknown): Record<string, unknown> {
  return path.reduceRight<unknown>((inner, k) => ({ [k]: inner }), value) as Record<string, unknown>;
}

const FIELDS = [
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
  'accessToken',
  'access_token',
];

describe('createLogger redaction', () => {
  // Each field on its own, inside one object and inside two (the depths pino's wildcards are given for).
  const cases = FIELDS.flatMap((field) => [[field], ['ctx', field], ['req', 'headers', field]]);

  it.each(cases.map((path) => [path.join('.'), path]))('censors %s', (_name, path) => {
    const { log, lines, raw } = capture();
    log.info({ ...nest(path as string[], SECRET), jobId: 'job-1' }, 'something happened');
    const [line] = lines();
    expect(at(line, path as string[])).toBe(REDACTED);
    expect(line?.jobId).toBe('job-1');
    expect(raw.join('')).not.toContain(SECRET);
  });

  it('censors the common shapes of a request: req.headers.authorization, headers.authorization, cookies', () => {
    const { log, lines, raw } = capture();
    log.warn(
      {
        req: {
          method: 'GET',
          url: '/v1/jobs',
          headers: { authorization: `Bearer ${SECRET}`, cookie: SECRET },
        },
        headers: { authorization: `Basic ${SECRET}`, 'set-cookie': SECRET, 'x-api-key': SECRET },
        response: { headers: { 'x-goog-api-key': SECRET, 'content-type': 'application/json' } },
        request: { headers: { 'api-key': SECRET } },
      },
      'request',
    );
    const [line] = lines();
    expect(at(line, ['req', 'headers', 'authorization'])).toBe(REDACTED);
    expect(at(line, ['req', 'headers', 'cookie'])).toBe(REDACTED);
    expect(at(line, ['req', 'url'])).toBe('/v1/jobs');
    expect(at(line, ['headers', 'authorization'])).toBe(REDACTED);
    expect(at(line, ['headers', 'set-cookie'])).toBe(REDACTED);
    expect(at(line, ['headers', 'x-api-key'])).toBe(REDACTED);
    expect(at(line, ['response', 'headers', 'x-goog-api-key'])).toBe(REDACTED);
    expect(at(line, ['request', 'headers', 'api-key'])).toBe(REDACTED);
    expect(at(line, ['response', 'headers', 'content-type'])).toBe('application/json');
    expect(raw.join('')).not.toContain(SECRET);
  });

  it('censors the whole environment, and secrets in the bindings of a child logger', () => {
    const { log, lines, raw } = capture();
    log.child({ apiKey: SECRET, component: 'intake' }).info({ env: { OPENAI_API_KEY: SECRET } }, 'started');
    const [line] = lines();
    expect(line?.env).toBe(REDACTED);
    expect(line?.apiKey).toBe(REDACTED);
    expect(line?.component).toBe('intake');
    expect(raw.join('')).not.toContain(SECRET);
  });

  it('censors a secret field in the objects of an array', () => {
    const { log, lines, raw } = capture();
    log.info({ deliveries: [{ secret: SECRET, deliveryId: 'd-1' }] }, 'deliveries');
    expect(at(lines()[0], ['deliveries', '0', 'secret'])).toBe(REDACTED);
    expect(at(lines()[0], ['deliveries', '0', 'deliveryId'])).toBe('d-1');
    expect(raw.join('')).not.toContain(SECRET);
  });

  it('leaves the fields the services log alone, names that merely contain a secret word included', () => {
    const { log, lines } = capture();
    const fields = {
      jobId: 'job-1',
      batchId: 'batch-1',
      providerBatchId: 'msgbatch_1',
      customId: 'c-1',
      deliveryId: 'notify_job_1',
      queue: 'poll',
      queueJobId: 'poll_batch-1',
      keyId: 'admin:0123abcd',
      dedupeKey: 'budget:alpha:2026-01',
      idempotencyKey: 'idem-1',
      tokens: 1200,
      err: 'Redis is not ready (reconnecting)',
      counts: { total: 3, completed: 2, failed: 1 },
      details: { provider: 'openai', model: 'gpt-4o-mini' },
    };
    log.info(fields, 'batch ended');
    expect(lines()[0]).toMatchObject(fields);
  });
});
