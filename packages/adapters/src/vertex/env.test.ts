import { describe, expect, it } from 'vitest';
import { vertexOptionsFromEnv } from './env';

describe('vertexOptionsFromEnv', () => {
  it('names the first missing variable', () => {
    expect(vertexOptionsFromEnv({})).toEqual({ missing: 'GOOGLE_CLOUD_PROJECT' });
    expect(vertexOptionsFromEnv({ GOOGLE_CLOUD_PROJECT: 'p', VERTEX_GCS_BUCKET: ' ' })).toEqual({
      missing: 'VERTEX_GCS_BUCKET',
    });
  });

  it('builds options, defaulting the location like the SDK', () => {
    expect(
      vertexOptionsFromEnv({
        GOOGLE_CLOUD_PROJECT: 'p',
        VERTEX_GCS_BUCKET: 'gs://bkt/',
        VERTEX_BASE_URL: 'http://127.0.0.1:4010/vertex',
        GCS_API_ENDPOINT: 'http://127.0.0.1:4010/gcs',
        VERTEX_ACCESS_TOKEN: 'emulator',
      }),
    ).toEqual({
      options: {
        project: 'p',
        location: 'global',
        bucket: 'bkt',
        baseUrl: 'http://127.0.0.1:4010/vertex',
        gcsApiEndpoint: 'http://127.0.0.1:4010/gcs',
        accessToken: 'emulator',
      },
    });
  });
});
