import type { EmulatorHandle } from '../server';
import type { WireBatchPredictionJob } from './wire-types';

/** Wire-level helpers for the Vertex/GCS emulator tests (the SDK-level ones live with the adapter). */
export function vertexClient(emu: EmulatorHandle, project = 'test-proj', location = 'us-central1') {
  const base = `${emu.url}/vertex/v1/projects/${project}/locations/${location}/batchPredictionJobs`;
  const gcs = `${emu.url}/gcs`;
  const call = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${base}${path}`, {
      ...init,
      headers: { authorization: 'Bearer test-token', 'content-type': 'application/json', ...init.headers },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return {
    base,
    call,
    async put(bucket: string, name: string, text: string): Promise<void> {
      const response = await fetch(
        `${gcs}/upload/storage/v1/b/${bucket}/o?uploadType=media&name=${encodeURIComponent(name)}`,
        { method: 'POST', body: text },
      );
      if (response.status !== 200) throw new Error(`upload failed: ${response.status}`);
    },
    async list(bucket: string, prefix: string): Promise<string[]> {
      const response = await fetch(`${gcs}/storage/v1/b/${bucket}/o?prefix=${encodeURIComponent(prefix)}`);
      const body = (await response.json()) as { items?: Array<{ name: string }> };
      return (body.items ?? []).map((item) => item.name);
    },
    async read(bucket: string, name: string): Promise<string> {
      return (await fetch(`${gcs}/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}?alt=media`)).text();
    },
    async create(body: Record<string, unknown>): Promise<WireBatchPredictionJob> {
      const { status, body: job } = await call('', { method: 'POST', body: JSON.stringify(body) });
      if (status !== 200) throw new Error(`create failed: ${status} ${JSON.stringify(job)}`);
      return job as unknown as WireBatchPredictionJob;
    },
    async get(name: string): Promise<WireBatchPredictionJob> {
      const id = name.split('/').pop();
      const { body } = await call(`/${id}`);
      return body as unknown as WireBatchPredictionJob;
    },
    async waitFor(name: string, done: (job: WireBatchPredictionJob) => boolean, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const job = await this.get(name);
        if (done(job)) return job;
        if (Date.now() > deadline) throw new Error(`job ${name} stuck in ${job.state}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}

export const ENDED = new Set([
  'JOB_STATE_SUCCEEDED',
  'JOB_STATE_PARTIALLY_SUCCEEDED',
  'JOB_STATE_FAILED',
  'JOB_STATE_CANCELLED',
  'JOB_STATE_EXPIRED',
]);

export function chatRow(id: string, text: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    request: {
      contents: [{ role: 'user', parts: [{ text }] }],
      systemInstruction: { parts: [{ text: 'Be terse.' }] },
      labels: { custom_id: id },
      ...extra,
    },
  });
}

export function jobBody(input: string | string[], output: string, extra: Record<string, unknown> = {}) {
  return {
    displayName: 'job',
    model: 'publishers/google/models/gemini-2.5-flash',
    inputConfig: { instancesFormat: 'jsonl', gcsSource: { uris: Array.isArray(input) ? input : [input] } },
    outputConfig: { predictionsFormat: 'jsonl', gcsDestination: { outputUriPrefix: output } },
    ...extra,
  };
}
