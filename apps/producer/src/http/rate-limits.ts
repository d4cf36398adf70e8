import { createHash } from 'node:crypto';
import type { Logger } from '@tranche/config';
import type { RedisConnection } from '@tranche/queues';
import type { Request, RequestHandler } from 'express';
import { type Logger as LimiterLogger, rateLimit } from 'express-rate-limit';
import { Cluster } from 'ioredis';
import { type RedisReply, RedisStore, type SendCommandFn } from 'rate-limit-redis';
import { callerOf } from './auth';

const WINDOW_MS = 60_000;
/** ioredis queues a command forever while Redis is away: a count that does not come in time lets the request by. */
const STORE_TIMEOUT_MS = 1_000;
/** While Redis is down every request fails to count: one warning a minute says so. */
const STORE_ERROR_LOG_INTERVAL_MS = 60_000;

export interface RateLimitOptions {
  /** Shared by every API process, so that they share the counts: one Redis, or a Redis Cluster. */
  redis: RedisConnection;
  /** The counts are kept under `<prefix>:rate-limit:<submit|reads>:<key id>`. */
  prefix: string;
  /** Per key and minute; 0 is no limit. */
  submitPerMinute: number;
  readsPerMinute: number;
  /** Where a Redis that does not answer is reported (the requests then pass uncounted). */
  log?: Logger;
}

export interface RateLimits {
  submit: RequestHandler;
  reads: RequestHandler;
}

/**
 * Requests per minute per key (`callerOf(res).keyId`, so mount them after `authenticate`), counted in Redis. Over the
 * limit: 429 `rate_limited` with Retry-After. Redis down or slow: the request passes uncounted, since the jobs are kept
 * in Postgres and the API must not stop with Redis.
 */
export function rateLimits(options: RateLimitOptions): RateLimits {
  return {
    submit: limiter('submit', options.submitPerMinute, 'submissions', options),
    reads: limiter('reads', options.readsPerMinute, 'requests', options),
  };
}

const unlimited: RequestHandler = (_req, _res, next) => next();

function limiter(name: string, limit: number, what: string, options: RateLimitOptions): RequestHandler {
  if (!Number.isInteger(limit) || limit < 0)
    throw new Error(`${name} rate limit: ${limit} is not a count (0: none)`);
  if (limit === 0) return unlimited;
  // A request that passes through two stacks with this limiter on each (one app.use('/v1', ...) per router) is
  // counted once.
  const counted = new WeakSet<Request>();
  return rateLimit({
    windowMs: WINDOW_MS,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: name,
    keyGenerator: (_req, res) => callerOf(res).keyId,
    skip: (req) => {
      if (counted.has(req)) return true;
      counted.add(req);
      return false;
    },
    handler: (_req, res) => {
      const retryAfter = res.getHeader('retry-after');
      res.status(429).json({
        error: {
          type: 'rate_limited',
          message: `this key may make ${limit} ${what} a minute: retry in ${retryAfter ?? 60} s`,
        },
      });
    },
    store: new RedisStore({
      prefix: `${options.prefix}:rate-limit:${name}:`,
      sendCommand: redisCommand(options.redis),
    }),
    passOnStoreError: true,
    logger: throttled(name, options.log),
  });
}

function redisCommand(redis: RedisConnection): SendCommandFn {
  const send = async (command: string, ...args: string[]): Promise<RedisReply> => {
    // Not queued behind a reconnect (maxRetriesPerRequest is null): refused at once, the request passes.
    if (redis.status !== 'ready') throw new Error(`Redis is not ready (${redis.status})`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis did not answer in ${STORE_TIMEOUT_MS} ms`)),
        STORE_TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([call(redis, command, args), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  return async (command, ...args) => {
    const script = args[1];
    if (command === 'SCRIPT' && args[0] === 'LOAD' && script !== undefined) {
      // The store loads its scripts once, when it is made, and would keep a failed load for good (every count then
      // failing). A script's SHA1 is what SCRIPT LOAD answers: with it, EVALSHA gets NOSCRIPT until Redis is back,
      // and the store then loads the script again.
      return send(command, ...args).catch(() => createHash('sha1').update(script).digest('hex'));
    }
    return send(command, ...args);
  };
}

/**
 * A command as the store sends it. On a cluster, a script is loaded on every primary: EVALSHA goes to the node that
 * holds its key, while a SCRIPT LOAD, which names no key, would reach one node at random.
 */
async function call(redis: RedisConnection, command: string, args: string[]): Promise<RedisReply> {
  if (redis instanceof Cluster && command === 'SCRIPT' && args[0] === 'LOAD') {
    const shas = await Promise.all(redis.nodes('master').map((node) => node.call(command, ...args)));
    if (shas.length === 0) throw new Error('no Redis Cluster primary is known yet');
    return shas[0] as RedisReply;
  }
  return redis.call(command, ...args) as Promise<RedisReply>;
}

function throttled(name: string, log: Logger | undefined): LimiterLogger {
  let lastError = Number.NEGATIVE_INFINITY;
  const fields = (error: unknown) => ({
    limiter: name,
    err: error instanceof Error ? error.message : String(error),
  });
  return {
    warn: (error, message) => log?.warn(fields(error), message ?? 'rate limiter'),
    error: (error, message) => {
      const now = Date.now();
      if (now - lastError < STORE_ERROR_LOG_INTERVAL_MS) return;
      lastError = now;
      log?.warn(fields(error), message ?? 'rate limiter');
    },
  };
}
