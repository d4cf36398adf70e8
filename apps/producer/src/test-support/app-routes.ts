import type { Express } from 'express';

interface LayerLike {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
  rawPath?: unknown;
}

/**
 * `METHOD /path` of every route an Express app serves, read from its router stack, in OpenAPI style (`:id` becomes
 * `{id}`). A router mounted at one of `opaqueMounts` (e.g. Bull Board) is one `ANY <mount>` entry.
 */
export function appRoutes(app: Express, opaqueMounts: readonly string[] = []): string[] {
  const found: string[] = [];
  const walk = (stack: LayerLike[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const path = `${prefix}${layer.route.path}`.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
        for (const method of Object.keys(layer.route.methods)) {
          if (method !== '_all') found.push(`${method.toUpperCase()} ${path}`);
        }
      } else if (layer.handle?.stack) {
        const path = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        if (opaqueMounts.includes(prefix + path)) found.push(`ANY ${prefix + path}`);
        else walk(layer.handle.stack, prefix + path);
      }
    }
  };
  walk((app as unknown as { router: { stack: LayerLike[] } }).router.stack, '');
  return [...new Set(found)].sort();
}
