import type { VertexAdapterOptions } from './adapter';

/** The environment the Vertex adapter reads (README, Configuration); `VERTEX_ACCESS_TOKEN` is for emulators. */
export interface VertexEnv {
  GOOGLE_CLOUD_PROJECT?: string;
  GOOGLE_CLOUD_LOCATION?: string;
  VERTEX_GCS_BUCKET?: string;
  VERTEX_BASE_URL?: string;
  GCS_API_ENDPOINT?: string;
  VERTEX_ACCESS_TOKEN?: string;
}

/** Options from the environment, or the name of the first required variable that is missing. */
export function vertexOptionsFromEnv(
  env: VertexEnv,
): { options: VertexAdapterOptions } | { missing: string } {
  const set = (value: string | undefined) => (value && value.trim() !== '' ? value.trim() : undefined);
  const project = set(env.GOOGLE_CLOUD_PROJECT);
  if (!project) return { missing: 'GOOGLE_CLOUD_PROJECT' };
  const bucket = set(env.VERTEX_GCS_BUCKET);
  if (!bucket) return { missing: 'VERTEX_GCS_BUCKET' };
  return {
    options: {
      project,
      // The SDK's own default when no location is given.
      location: set(env.GOOGLE_CLOUD_LOCATION) ?? 'global',
      bucket: bucket.replace(/^gs:\/\//, '').replace(/\/+$/, ''),
      baseUrl: set(env.VERTEX_BASE_URL),
      gcsApiEndpoint: set(env.GCS_API_ENDPOINT),
      accessToken: set(env.VERTEX_ACCESS_TOKEN),
    },
  };
}
