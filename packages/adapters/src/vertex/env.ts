import { url } from '@tranche/config';
import { z } from 'zod';
import type { VertexOptions } from './transport';

/** The environment the Vertex transport reads (README, Configuration). */
export const vertexEnvSchema = z.object({
  GOOGLE_CLOUD_PROJECT: z.string().optional(),
  GOOGLE_CLOUD_LOCATION: z.string().optional(),
  VERTEX_GCS_BUCKET: z.string().optional(),
  VERTEX_BASE_URL: url(['http:', 'https:']).optional(),
  GCS_API_ENDPOINT: url(['http:', 'https:']).optional(),
  /** A fixed OAuth token (emulators, short tests); unset, Vertex uses Application Default Credentials. */
  VERTEX_ACCESS_TOKEN: z.string().optional(),
});
export type VertexEnv = z.infer<typeof vertexEnvSchema>;

/** Options from the environment, or the name of the first required variable that is missing. */
export function vertexOptionsFromEnv(env: VertexEnv): { options: VertexOptions } | { missing: string } {
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

/**
 * The emulator's Vertex API and Cloud Storage, with a fixed token in place of Google credentials. Location `global`,
 * the default against Google too, so that the stack's tests run what production runs.
 */
export function vertexEmulatorEnv(emulatorUrl: string): Record<string, string> {
  return {
    GOOGLE_CLOUD_PROJECT: 'tranche-emulator',
    GOOGLE_CLOUD_LOCATION: 'global',
    VERTEX_GCS_BUCKET: 'tranche-emulator',
    VERTEX_BASE_URL: `${emulatorUrl}/vertex`,
    GCS_API_ENDPOINT: `${emulatorUrl}/gcs`,
    VERTEX_ACCESS_TOKEN: 'ya29.emulator-not-a-secret',
  };
}
