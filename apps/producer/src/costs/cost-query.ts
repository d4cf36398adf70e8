import { costQuerySchema } from '@tranche/contracts';
import { COST_GROUP_KEYS, type CostGroupKey, type CostWindow } from '@tranche/db';
import { parseQuery, QueryParameterError } from '../intake/query-parameters';

/** A bad parameter of a cost query; `parameter` names it (`window`, `group_by`, `format`, ...). */
export class CostQueryError extends QueryParameterError {
  constructor(parameter: string, message: string) {
    super(parameter, message);
    this.name = 'CostQueryError';
  }
}

const HOUR_MS = 3_600_000;

/** The named windows, each ending now. */
export const WINDOW_PRESETS = {
  '24h': 24 * HOUR_MS,
  '7d': 7 * 24 * HOUR_MS,
  '30d': 30 * 24 * HOUR_MS,
} as const;
export type WindowPreset = keyof typeof WINDOW_PRESETS;
export const DEFAULT_WINDOW: WindowPreset = '30d';

/** A date, or a date and time with its zone: `2026-05-01`, `2026-05-01T12:00:00Z`, `2026-05-01T14:00+02:00`. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** `2026-02-30` parses as March 2: a date must come back as itself. */
function realDate(day: string): boolean {
  const parsed = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === day;
}

function instant(parameter: string, value: string, which: 'from' | 'to'): Date {
  // An unencoded `+` of a zone offset arrives as a space in a query string.
  const text = value.trim().replace(/ (\d{2}:\d{2})$/, '+$1');
  const ms = ISO_INSTANT.test(text) && realDate(text.slice(0, 10)) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms))
    throw new CostQueryError(
      parameter,
      `"${value}" is not an ISO date or date-time with a zone (the ${which} of <from>..<to>)`,
    );
  return new Date(ms);
}

/** `24h`, `7d`, `30d` (ending now) or `<ISO from>..<ISO to>` (from inclusive, to exclusive). */
export function parseWindow(window: string, now: Date, parameter = 'window'): CostWindow {
  // Own keys only: `toString` or `constructor` must not resolve to Object.prototype's members.
  const preset = Object.hasOwn(WINDOW_PRESETS, window) ? WINDOW_PRESETS[window as WindowPreset] : undefined;
  if (preset !== undefined) return { from: new Date(now.getTime() - preset), to: now };
  const parts = window.split('..');
  if (parts.length !== 2)
    throw new CostQueryError(parameter, `expected 24h, 7d, 30d or <ISO from>..<ISO to>, got "${window}"`);
  const from = instant(parameter, parts[0]!, 'from');
  const to = instant(parameter, parts[1]!, 'to');
  if (from.getTime() >= to.getTime())
    throw new CostQueryError(
      parameter,
      `from (${from.toISOString()}) must be before to (${to.toISOString()})`,
    );
  return { from, to };
}

/** A list of group keys, given as an array or a comma-separated string; empty means one total group. */
export function parseGroupBy(groupBy: readonly string[] | string | undefined, parameter = 'group_by') {
  const keys = (typeof groupBy === 'string' ? groupBy.split(',') : (groupBy ?? []))
    .map((key) => key.trim())
    .filter(Boolean);
  const seen = new Set<string>();
  for (const key of keys) {
    if (!COST_GROUP_KEYS.includes(key as CostGroupKey))
      throw new CostQueryError(
        parameter,
        `unknown key "${key}"; expected some of ${COST_GROUP_KEYS.join(', ')}`,
      );
    if (seen.has(key)) throw new CostQueryError(parameter, `"${key}" is listed twice`);
    seen.add(key);
  }
  return keys as CostGroupKey[];
}

/** What `BatchClient.costs` takes. */
export interface CostOptions {
  /** `24h`, `7d`, `30d` or `<ISO from>..<ISO to>`; default 30d. Not together with `from`/`to`. */
  window?: string;
  /** The start of the window (inclusive), instead of `window`. */
  from?: Date | string;
  /** The end of the window (exclusive); default now. */
  to?: Date | string;
  /** Keys among project, owner, environment, provider, model; none gives one total group. */
  groupBy?: readonly string[] | string;
}

export interface CostRequest extends CostWindow {
  groupBy: CostGroupKey[];
}

function asInstant(value: Date | string, parameter: 'from' | 'to'): Date {
  if (!(value instanceof Date)) return instant(parameter, value, parameter);
  if (Number.isNaN(value.getTime())) throw new CostQueryError(parameter, 'is an invalid Date');
  return value;
}

/** The window and groups of an SDK cost query, checked. */
export function costRequest(options: CostOptions = {}, now = new Date()): CostRequest {
  const groupBy = parseGroupBy(options.groupBy, 'groupBy');
  if (options.from === undefined && options.to === undefined)
    return { ...parseWindow(options.window ?? DEFAULT_WINDOW, now), groupBy };
  if (options.window !== undefined)
    throw new CostQueryError('window', 'give either window or from/to, not both');
  if (options.from === undefined) throw new CostQueryError('from', 'is required when to is given');
  const from = asInstant(options.from, 'from');
  const to = options.to === undefined ? now : asInstant(options.to, 'to');
  if (from.getTime() >= to.getTime())
    throw new CostQueryError('from', `(${from.toISOString()}) must be before to (${to.toISOString()})`);
  return { from, to, groupBy };
}

export type CostFormat = 'json' | 'csv';

/** `GET /v1/costs` query parameters, checked: unknown or repeated parameters are refused, by name. */
export function costRequestFromQuery(
  query: Record<string, unknown>,
  now = new Date(),
): CostRequest & { format: CostFormat } {
  const { window, group_by: groupBy, format = 'json' } = parseQuery(costQuerySchema, query, CostQueryError);
  return { ...parseWindow(window ?? DEFAULT_WINDOW, now), groupBy: parseGroupBy(groupBy), format };
}
