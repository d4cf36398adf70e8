import type { ApiErrorBody, BudgetRefusal, FieldProblem, JobView } from './types.js';

/** The details of an API error: what its envelope `{error: {...}}` holds besides `type` and `message`. */
type Envelope = Partial<ApiErrorBody['error']> & Record<string, unknown>;

/**
 * Every error the API answers, and every way a call can fail on the client's side (`status` 0: no answer).
 * `type` is the envelope's `error.type` (`not_found`, `budget_exceeded`, ...); `body` is what the API sent, parsed.
 */
export class TrancheError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly body: unknown = undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** 400: a request the API cannot take (`invalid_job`, `invalid_request`, `invalid_json`, `invalid_query`). */
export class ValidationError extends TrancheError {
  /** Each problem names its field, as `inputs[12].messages`; empty when the API named none. */
  readonly problems: FieldProblem[];
  /** The query parameter at fault (`invalid_query`). */
  readonly parameter: string | undefined;
  constructor(status: number, type: string, message: string, body: unknown, error: Envelope) {
    super(status, type, message, body);
    this.problems = Array.isArray(error.problems) ? (error.problems as FieldProblem[]) : [];
    this.parameter = typeof error.parameter === 'string' ? error.parameter : undefined;
  }
}

/** 401: no key, an unknown key or a revoked one. */
export class AuthenticationError extends TrancheError {}

/** 403: the key's role or projects do not allow it. */
export class PermissionError extends TrancheError {
  /** The field that asked for too much (`metadata.project`), when one did. */
  readonly field: string | undefined;
  constructor(status: number, type: string, message: string, body: unknown, error: Envelope) {
    super(status, type, message, body);
    this.field = typeof error.field === 'string' ? error.field : undefined;
  }
}

/** 404: no such job, budget, key or route, or one of a project the key does not see. */
export class NotFoundError extends TrancheError {}

/** 402: the job's worst-case cost would take its project past its monthly budget. */
export class BudgetExceededError extends TrancheError {
  readonly details: BudgetRefusal;
  constructor(status: number, type: string, message: string, body: unknown, error: Envelope) {
    super(status, type, message, body);
    this.details = error.details as BudgetRefusal;
  }
}

/** 409: the job already finished (`already_finished`, with its `jobStatus`), or a setting is missing (`not_configured`). */
export class ConflictError extends TrancheError {
  /** `already_finished`: the status the job ended with. */
  readonly jobStatus: JobView['status'] | undefined;
  /** `not_configured`: the setting the API lacks (e.g. WEBHOOK_SECRETS_KEY). */
  readonly setting: string | undefined;
  constructor(status: number, type: string, message: string, body: unknown, error: Envelope) {
    super(status, type, message, body);
    this.jobStatus = typeof error.status === 'string' ? (error.status as JobView['status']) : undefined;
    this.setting = typeof error.setting === 'string' ? error.setting : undefined;
  }
}

/** 422: the Idempotency-Key was used within the window for a different body; nothing was created. */
export class IdempotencyKeyReusedError extends TrancheError {}

/** 429: over the key's rate limit. The client already waited and retried where it was safe to. */
export class RateLimitError extends TrancheError {
  constructor(
    status: number,
    type: string,
    message: string,
    body: unknown,
    /** How long the API asked to wait (its Retry-After), when it said. */
    readonly retryAfterMs: number | undefined,
  ) {
    super(status, type, message, body);
  }
}

/** 5xx: the API or what it depends on failed. */
export class ServerError extends TrancheError {}

/** No answer: the connection failed or was cut before the answer's headers came (status 0). */
export class ConnectionError extends TrancheError {
  constructor(message: string, cause: unknown) {
    super(0, 'connection_error', message, undefined, { cause });
  }
}

/** No answer within the client's `timeoutMs` (status 0). */
export class TimeoutError extends TrancheError {
  constructor(message: string) {
    super(0, 'timeout', message);
  }
}

/** `wait` gave up: the job was not finished after `timeoutMs`. `job` is the last view of it. */
export class WaitTimeoutError extends TrancheError {
  constructor(
    message: string,
    readonly job: JobView,
  ) {
    super(0, 'wait_timeout', message);
  }
}

/** A results stream that ended with fewer lines than its `X-Result-Count` announced: it was cut. Read it again. */
export class IncompleteResultsError extends TrancheError {
  constructor(
    readonly expected: number,
    readonly received: number,
    cause?: unknown,
  ) {
    super(
      200,
      'incomplete_results',
      `the results stream ended after ${received} of ${expected} lines: it was cut, read it again`,
      undefined,
      { cause },
    );
  }
}

/** The API answered something this client cannot read (not the JSON it documents). */
export class UnexpectedResponseError extends TrancheError {}

/** A webhook whose signature does not verify with the secret, or that is more than 5 minutes old. */
export class WebhookVerificationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WebhookVerificationError';
  }
}
