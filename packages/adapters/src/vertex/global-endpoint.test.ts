import { afterEach, describe, expect, it, vi } from 'vitest';
import { createGenAI } from './clients';
import { globalEndpointProblem } from './global-endpoint';

describe('globalEndpointProblem', () => {
  it("takes Google's publisher models on global, in every form the SDK accepts", () => {
    for (const model of [
      'gemini-2.5-flash',
      'google/gemini-2.5-flash',
      'models/gemini-2.5-flash',
      'publishers/google/models/gemini-3-pro-preview',
    ]) {
      expect(globalEndpointProblem('global', model)).toBeNull();
    }
  });

  it('refuses tuned models and other publishers on global, naming the way out', () => {
    expect(globalEndpointProblem('global', 'projects/123/locations/us-central1/endpoints/456')).toContain(
      'set GOOGLE_CLOUD_LOCATION to its region',
    );
    expect(globalEndpointProblem('global', 'anthropic/claude-sonnet-4-6')).toContain('anthropic models');
    expect(globalEndpointProblem('global', 'publishers/meta/models/llama-4')).toContain('meta models');
  });

  it('leaves a regional location alone', () => {
    expect(
      globalEndpointProblem('us-central1', 'projects/123/locations/us-central1/endpoints/456'),
    ).toBeNull();
    expect(globalEndpointProblem('europe-west4', 'anthropic/claude-sonnet-4-6')).toBeNull();
  });
});

describe('the Vertex API host for a location (no VERTEX_BASE_URL)', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  /** The URL the SDK calls to read a job at `location`, answered here: nothing leaves the process. */
  async function urlFor(location: string): Promise<string> {
    const seen: string[] = [];
    vi.stubGlobal('fetch', async (input: string | URL | Request) => {
      seen.push(input instanceof Request ? input.url : String(input));
      return new Response(JSON.stringify({ name: 'x', state: 'JOB_STATE_RUNNING' }), {
        headers: { 'content-type': 'application/json' },
      });
    });
    const ai = await createGenAI({
      project: 'p',
      location,
      accessToken: 'test-token',
      retry: { attempts: 1, initialDelayMs: 1, maxDelayMs: 1 },
      timeoutMs: 5_000,
    });
    await ai.batches.get({ name: '42' });
    expect(seen).toHaveLength(1);
    return seen[0]!;
  }

  it('calls aiplatform.googleapis.com with location global, a regional host otherwise', async () => {
    expect(await urlFor('global')).toBe(
      'https://aiplatform.googleapis.com/v1/projects/p/locations/global/batchPredictionJobs/42',
    );
    expect(await urlFor('us-central1')).toBe(
      'https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/batchPredictionJobs/42',
    );
  });
});
