/** Narrowing for provider JSON read field by field: a missing or mistyped field reads as absent, never throws. */
export type Json = Record<string, unknown>;

export const asObject = (value: unknown): Json | null =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null;

export const asNumber = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) ? value : 0;

export const asString = (value: unknown): string | null => (typeof value === 'string' ? value : null);
