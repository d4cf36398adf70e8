type Node = Record<string, unknown>;

const MAX_DEPTH = 24;

/**
 * A small instance valid against `schema`: required properties only, one array item,
 * the first enum value, bounds respected. Covers what structured outputs allow; `pattern` is not honoured.
 */
export function jsonSchemaInstance(schema: unknown): unknown {
  return build(schema, schema, 0);
}

function build(node: unknown, root: unknown, depth: number): unknown {
  if (!isNode(node) || depth > MAX_DEPTH) return null;
  if ('const' in node) return node.const;
  if (Array.isArray(node.enum) && node.enum.length > 0) return node.enum[0];
  if (typeof node.$ref === 'string') return build(resolveRef(root, node.$ref), root, depth + 1);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = node[key];
    if (Array.isArray(options) && options.length > 0) {
      const preferred = options.find((option) => !(isNode(option) && option.type === 'null')) ?? options[0];
      return build(preferred, root, depth + 1);
    }
  }
  if (Array.isArray(node.allOf) && node.allOf.length > 0) {
    const parts = node.allOf.map((part) => build(part, root, depth + 1));
    return parts.every(isNode) ? Object.assign({}, ...parts) : parts[0];
  }

  switch (typeOf(node)) {
    case 'object':
      return buildObject(node, root, depth);
    case 'array':
      return buildArray(node, root, depth);
    case 'string':
      return buildString(node);
    case 'integer':
      return buildNumber(node, true);
    case 'number':
      return buildNumber(node, false);
    case 'boolean':
      return true;
    default:
      return null;
  }
}

function typeOf(node: Node): string | undefined {
  const { type } = node;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return (type.find((t) => t !== 'null') ?? type[0]) as string | undefined;
  if (isNode(node.properties) || Array.isArray(node.required)) return 'object';
  if ('items' in node || 'prefixItems' in node) return 'array';
  return undefined;
}

function buildObject(node: Node, root: unknown, depth: number): Record<string, unknown> {
  const properties = isNode(node.properties) ? node.properties : {};
  const required = Array.isArray(node.required) ? node.required.filter((k) => typeof k === 'string') : [];
  const out: Record<string, unknown> = {};
  for (const name of required) out[name] = build(properties[name] ?? {}, root, depth + 1);
  return out;
}

function buildArray(node: Node, root: unknown, depth: number): unknown[] {
  const minItems = typeof node.minItems === 'number' ? node.minItems : 0;
  const maxItems = typeof node.maxItems === 'number' ? node.maxItems : Number.POSITIVE_INFINITY;
  const count = Math.min(maxItems, Math.max(1, minItems));
  const prefix = Array.isArray(node.prefixItems) ? node.prefixItems : [];
  const out: unknown[] = [];
  for (let i = 0; i < count; i++)
    out.push(build(i < prefix.length ? prefix[i] : (node.items ?? {}), root, depth + 1));
  return out;
}

const FORMAT_EXAMPLES: Record<string, string> = {
  'date-time': '2024-01-01T00:00:00Z',
  date: '2024-01-01',
  time: '00:00:00Z',
  email: 'user@example.com',
  uri: 'https://example.com',
  uuid: '00000000-0000-4000-8000-000000000000',
  hostname: 'example.com',
  ipv4: '127.0.0.1',
  ipv6: '::1',
};

function buildString(node: Node): string {
  const format = typeof node.format === 'string' ? FORMAT_EXAMPLES[node.format] : undefined;
  let value = format ?? 'string';
  const minLength = typeof node.minLength === 'number' ? node.minLength : 0;
  const maxLength = typeof node.maxLength === 'number' ? node.maxLength : Number.POSITIVE_INFINITY;
  if (value.length < minLength) value = value.padEnd(minLength, 'x');
  if (value.length > maxLength) value = value.slice(0, maxLength);
  return value;
}

function buildNumber(node: Node, integer: boolean): number {
  const num = (key: string) => (typeof node[key] === 'number' ? (node[key] as number) : undefined);
  const step = num('multipleOf') ?? (integer ? 1 : undefined);
  let low = num('minimum') ?? Number.NEGATIVE_INFINITY;
  let high = num('maximum') ?? Number.POSITIVE_INFINITY;
  const exclusiveLow = num('exclusiveMinimum');
  const exclusiveHigh = num('exclusiveMaximum');
  const nudge = step ?? 1e-6;
  if (exclusiveLow !== undefined) low = Math.max(low, exclusiveLow + (integer || step ? 0 : nudge));
  if (exclusiveHigh !== undefined) high = Math.min(high, exclusiveHigh - (integer || step ? 0 : nudge));

  let value = Math.min(Math.max(0, low), high);
  if (!Number.isFinite(value)) value = 0;
  if (step) {
    value = Math.ceil(value / step) * step;
    if (exclusiveLow !== undefined && value <= exclusiveLow) value += step;
    if (value > high) value = Math.floor(high / step) * step;
    if (exclusiveHigh !== undefined && value >= exclusiveHigh) value -= step;
  }
  return value;
}

function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return {};
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = isNode(node) ? node[key] : undefined;
  }
  return node ?? {};
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
