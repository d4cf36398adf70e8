import { badRequest } from './errors';
import type { Outcome } from './message-executor';
import { isRecord } from './message-params';

export const MAX_REQUESTS = 100_000;
const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;
const REQUEST_KEYS = new Set(['custom_id', 'params']);

/**
 * Takes the `requests` of a create call one element at a time. What the API checks synchronously (a 400 for
 * the whole call) is checked here: the element's shape, `custom_id`'s pattern and uniqueness, the count.
 * `params` are only run, their problems surface as `errored` results.
 */
export class BatchIntake {
  readonly customIds: string[] = [];
  readonly outcomes: Outcome[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly execute: (params: Record<string, unknown>) => Outcome) {}

  add(raw: Buffer, index: number): void {
    const where = `requests.${index}`;
    if (index >= MAX_REQUESTS) {
      throw badRequest(`requests: List should have at most ${MAX_REQUESTS} items after validation`);
    }
    let request: unknown;
    try {
      request = JSON.parse(raw.toString('utf8'));
    } catch {
      throw badRequest(`${where}: There was an error parsing the body as JSON`);
    }
    if (!isRecord(request)) throw badRequest(`${where}: Input should be a valid dictionary`);
    for (const key of Object.keys(request)) {
      if (!REQUEST_KEYS.has(key)) throw badRequest(`${where}.${key}: Extra inputs are not permitted`);
    }
    const { custom_id: customId, params } = request;
    if (customId === undefined) throw badRequest(`${where}.custom_id: Field required`);
    if (typeof customId !== 'string' || !CUSTOM_ID.test(customId)) {
      throw badRequest(`${where}.custom_id: String should match pattern '${CUSTOM_ID.source}'`);
    }
    if (this.seen.has(customId)) {
      throw badRequest(
        `${where}.custom_id: Duplicate custom_id '${customId}'; custom_ids must be unique within a batch`,
      );
    }
    if (params === undefined) throw badRequest(`${where}.params: Field required`);
    if (!isRecord(params)) throw badRequest(`${where}.params: Input should be a valid dictionary`);
    this.seen.add(customId);
    this.customIds.push(customId);
    this.outcomes.push(this.execute(params));
  }
}
