export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** proto3 JSON parsers accept a field under its lowerCamel JSON name or its original snake_case name. */
export function field(object: Json, camelName: string): unknown {
  const value = object[camelName];
  return value !== undefined ? value : object[snakeName(camelName)];
}

const snakeNames = new Map<string, string>();

function snakeName(camelName: string): string {
  let snake = snakeNames.get(camelName);
  if (snake === undefined) {
    snake = camelName.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    snakeNames.set(camelName, snake);
  }
  return snake;
}

export function snakeToCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Keys of `object` not in `known` (lowerCamel names; snake_case spellings are accepted too). */
export function unknownKeys(object: Json, known: ReadonlySet<string>): string[] {
  return Object.keys(object).filter((key) => !known.has(snakeToCamel(key)));
}

/** proto3 JSON writes int64 as a string and leaves zero values out. */
export function int64(value: number): string | undefined {
  return value === 0 ? undefined : String(value);
}

/** RFC 3339 with microseconds and `Z`, as Google APIs format Timestamps. */
export function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}
