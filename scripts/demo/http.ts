import type { DryRunResponse, JobResult, JobView, SubmitResponse } from '@tranche/producer';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}: ${typeof body === 'string' ? body : JSON.stringify(body)}`);
  }
}

async function call<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text for the error message
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed as T;
}

/** The HTTP API as the demo uses it: exactly what a caller in any language would send. */
export const trancheApi = (base: string) => ({
  submit: (spec: unknown) => call<SubmitResponse>(base, 'POST', '/v1/jobs', spec),
  estimate: (spec: unknown) => call<DryRunResponse>(base, 'POST', '/v1/jobs?dry_run=true', spec),
  get: (jobId: string) => call<JobView>(base, 'GET', `/v1/jobs/${jobId}`),
  cancel: (jobId: string) => call<JobView>(base, 'POST', `/v1/jobs/${jobId}/cancel`),
  /** Every result line; throws when the stream holds fewer lines than its `X-Result-Count` announced (cut short). */
  async results(jobId: string): Promise<JobResult[]> {
    const response = await fetch(`${base}/v1/jobs/${jobId}/results`);
    if (!response.ok) throw new ApiError(response.status, await response.text());
    const announced = Number(response.headers.get('x-result-count'));
    const text = await response.text();
    const lines = text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as JobResult);
    if (lines.length !== announced)
      throw new Error(
        `results: ${lines.length} lines where X-Result-Count announced ${announced}: the stream was cut`,
      );
    return lines;
  },
});

export type TrancheApi = ReturnType<typeof trancheApi>;

export interface EmulatorStats {
  batches: number;
  requests: number;
  bytes: number;
}

/**
 * What the emulated `provider` has received so far (`GET /_emulator/stats`, keyed by provider; Vertex's count
 * includes the request files uploaded to its GCS). Throws when the emulator keeps no count for it, rather than
 * reporting zeros.
 */
export async function emulatorStats(emulatorUrl: string, provider: string): Promise<EmulatorStats> {
  const stats = await call<Record<string, EmulatorStats>>(emulatorUrl, 'GET', '/_emulator/stats');
  const counted = stats[provider];
  if (!counted) {
    throw new Error(`the emulator keeps no stats for ${provider} (it has: ${Object.keys(stats).join(', ')})`);
  }
  return counted;
}
