import type { EmulatorContext, EmulatorProvider } from '../core/provider';
import { GcsObjectStore } from '../gcs/object-store';
import { createGcsProvider } from '../gcs/provider';
import { applyVertexOptions, DEFAULT_VERTEX_OPTIONS, type VertexOptionsInput } from './options';
import { createVertexProvider } from './provider';

/**
 * Cloud Storage (`/gcs`) and Vertex AI batch prediction (`/vertex`), sharing one object store: jobs read their
 * input from it and write their predictions into it. Bytes uploaded to GCS count as `stats.vertex.bytes`.
 */
export function createGoogleProviders(ctx: EmulatorContext): EmulatorProvider[] {
  return googleProvidersWith({})(ctx);
}

/** The same, with the Vertex switches preset (see `vertex/options.ts`). */
export function googleProvidersWith(input: VertexOptionsInput) {
  const options = applyVertexOptions(DEFAULT_VERTEX_OPTIONS, input);
  return (ctx: EmulatorContext): EmulatorProvider[] => {
    const store = new GcsObjectStore(ctx.blobs, ctx.clock);
    return [
      createGcsProvider(ctx, store, { statsProvider: 'vertex' }),
      createVertexProvider(ctx, store, options),
    ];
  };
}
