import { maskUnsafe, textProblem } from './safe-text';

/** An output schema is sent with every request (and compiled by the workers): it stays small and shallow. */
export const MAX_OUTPUT_SCHEMA_BYTES = 64 * 1024;
export const MAX_OUTPUT_SCHEMA_DEPTH = 32;

interface Node {
  value: unknown;
  depth: number;
  parent: Node | null;
  key: string | number | null;
}

/** Where a node sits in the schema, as `properties.name.enum[2]`; built only for the one node that is refused. */
function pathOf(node: Node, key?: string): string {
  const keys: Array<string | number> = key === undefined ? [] : [key];
  for (let n: Node | null = node; n && n.key !== null; n = n.parent) keys.unshift(n.key);
  let path = '';
  for (const k of keys) {
    if (typeof k === 'number') path += `[${k}]`;
    else {
      const shown = maskUnsafe(k);
      path += /^[A-Za-z_$][\w$]*$/.test(shown) ? `${path ? '.' : ''}${shown}` : `[${JSON.stringify(shown)}]`;
    }
  }
  return path || '(root)';
}

/**
 * Why the output schema is refused, or null: over 64 KB as JSON, deeper than 32 levels, or a key or string with a
 * NUL or a lone surrogate (named by its path). Walked without recursion, and stopped as soon as the text seen is
 * over the size, so a hostile schema costs no more than the limit before it is refused, and nothing later
 * (serialising, compiling, token counting) meets a schema deep enough to overflow the stack.
 */
export function outputSchemaProblem(schema: unknown): string | null {
  const tooBig = `over ${MAX_OUTPUT_SCHEMA_BYTES} bytes as JSON`;
  // A lower bound of the serialised size: every UTF-16 unit is at least one byte of UTF-8, and escapes only add.
  let seen = 0;
  const stack: Node[] = [{ value: schema, depth: 1, parent: null, key: null }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const { value } = node;
    if (typeof value === 'string') {
      seen += value.length + 2;
      if (seen > MAX_OUTPUT_SCHEMA_BYTES) return tooBig;
      const problem = textProblem(value);
      if (problem) return `the string at ${pathOf(node)} ${problem}`;
    } else if (value !== null && typeof value === 'object') {
      if (node.depth > MAX_OUTPUT_SCHEMA_DEPTH)
        return `deeper than ${MAX_OUTPUT_SCHEMA_DEPTH} levels (at ${pathOf(node)})`;
      seen += 2;
      const entries: Iterable<[string | number, unknown]> = Array.isArray(value)
        ? value.entries()
        : Object.entries(value);
      for (const [key, child] of entries) {
        seen += typeof key === 'string' ? key.length + 4 : 1;
        if (seen > MAX_OUTPUT_SCHEMA_BYTES) return tooBig;
        const problem = typeof key === 'string' ? textProblem(key) : null;
        if (problem) return `the key at ${pathOf(node, key as string)} ${problem}`;
        stack.push({ value: child, depth: node.depth + 1, parent: node, key });
      }
    } else {
      seen += String(value).length;
      if (seen > MAX_OUTPUT_SCHEMA_BYTES) return tooBig;
    }
  }
  const bytes = Buffer.byteLength(JSON.stringify(schema));
  return bytes > MAX_OUTPUT_SCHEMA_BYTES ? `${bytes} bytes as JSON, over ${MAX_OUTPUT_SCHEMA_BYTES}` : null;
}
