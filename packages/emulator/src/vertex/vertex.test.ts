import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countPromptTokens, countTokens, echoText } from '../core/model';
import { type EmulatorHandle, startEmulator } from '../server';
import { createGoogleProviders } from './google-providers';
import { chatRow, ENDED, jobBody, vertexClient } from './test-support';

let emu: EmulatorHandle;
let vx: ReturnType<typeof vertexClient>;

beforeAll(async () => {
  emu = await startEmulator({ stepMs: 60, seed: 3, providers: [createGoogleProviders] });
  vx = vertexClient(emu);
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.resetAll();
});

interface Row {
  status: string;
  processed_time?: string;
  request: { labels: { custom_id: string } };
  response: { candidates: Array<{ content: { parts: Array<{ text: string }> } }> };
  instance?: { content?: string };
  key?: string;
  predictions: Array<{ embeddings: { values: number[]; statistics: unknown } }>;
}

async function outputRows(job: { outputInfo?: { gcsOutputDirectory: string } }): Promise<Row[]> {
  const dir = job.outputInfo!.gcsOutputDirectory.replace(/^gs:\/\/[^/]+\//, '');
  const rows: Row[] = [];
  for (const name of await vx.list('bkt', `${dir}/`)) {
    const text = await vx.read('bkt', name);
    rows.push(
      ...text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Row),
    );
  }
  return rows;
}

describe('batch prediction job lifecycle', () => {
  it('runs PENDING → RUNNING → SUCCEEDED with proto-JSON fields and writes shuffled predictions', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => chatRow(`r-${i}`, `Question ${i} 🎉?`));
    await vx.put('bkt', 'in/input.jsonl', `${lines.join('\n')}\n`);
    const created = await vx.create(
      jobBody('gs://bkt/in/input.jsonl', 'gs://bkt/out', { labels: { team: 'x' } }),
    );
    expect(created.name).toMatch(/^projects\/\d{12}\/locations\/us-central1\/batchPredictionJobs\/\d{19}$/);
    expect(created.state).toBe('JOB_STATE_PENDING');
    expect(created.createTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    for (const key of ['completionStats', 'outputInfo', 'startTime', 'endTime', 'error'])
      expect(created).not.toHaveProperty(key);
    expect(created).toMatchObject({
      labels: { team: 'x' },
      outputConfig: { gcsDestination: { outputUriPrefix: 'gs://bkt/out' } },
    });

    const running = await vx.waitFor(created.name, (job) => job.state !== 'JOB_STATE_PENDING');
    expect(running.state).toBe('JOB_STATE_RUNNING');
    expect(running.outputInfo!.gcsOutputDirectory).toMatch(
      /^gs:\/\/bkt\/out\/prediction-model-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/,
    );

    const done = await vx.waitFor(created.name, (job) => ENDED.has(job.state));
    expect(done.state).toBe('JOB_STATE_SUCCEEDED');
    expect(done.completionStats).toEqual({ successfulCount: '40' });
    expect(done.endTime).toBeDefined();
    expect(emu.stats().vertex).toMatchObject({ batches: 1, requests: 40 });

    const files = await vx.list('bkt', 'out/');
    expect(files).toEqual([
      `${done.outputInfo!.gcsOutputDirectory.slice('gs://bkt/'.length)}/predictions.jsonl`,
    ]);
    const rows = await outputRows(done);
    const ids = rows.map((row) => row.request.labels.custom_id);
    expect(new Set(ids).size).toBe(40);
    expect(ids).not.toEqual(lines.map((_, i) => `r-${i}`));
    const row = rows.find((r) => r.request.labels.custom_id === 'r-7')!;
    expect(Object.keys(row)).toEqual(['status', 'processed_time', 'request', 'response']);
    expect(row.status).toBe('');
    expect(row.processed_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
    const messages = [
      { role: 'system', text: 'Be terse.' },
      { role: 'user', text: 'Question 7 🎉?' },
    ];
    const text = echoText(messages);
    expect(row.response).toEqual({
      candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP' }],
      usageMetadata: {
        promptTokenCount: countPromptTokens(messages),
        candidatesTokenCount: countTokens(text),
        totalTokenCount: countPromptTokens(messages) + countTokens(text),
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: countPromptTokens(messages) }],
        candidatesTokensDetails: [{ modality: 'TEXT', tokenCount: countTokens(text) }],
      },
      modelVersion: 'gemini-2.5-flash@default',
    });
  });

  it('fails rows the model would refuse, alone, and ends in the configured partial-failure state', async () => {
    const rows = [
      chatRow('ok', 'fine'),
      JSON.stringify({ request: { contents: [], labels: { custom_id: 'empty' } } }),
      chatRow('BAD-LABEL', 'uppercase label values are not allowed'),
      JSON.stringify({
        request: {
          contents: [{ role: 'user', parts: [{ text: 'x' }] }],
          bogus: 1,
          labels: { custom_id: 'unknown' },
        },
      }),
      JSON.stringify({
        request: {
          contents: [{ role: 'user', parts: [{ text: 'x' }] }],
          generationConfig: { maxOutputTokens: 0 },
          labels: { custom_id: 'zero' },
        },
      }),
    ];
    await vx.put('bkt', 'p/in.jsonl', rows.join('\n'));
    const first = await vx.waitFor(
      (await vx.create(jobBody('gs://bkt/p/in.jsonl', 'gs://bkt/p/out1'))).name,
      (j) => ENDED.has(j.state),
    );
    expect(first.state).toBe('JOB_STATE_SUCCEEDED');
    expect(first.completionStats).toEqual({ successfulCount: '1', failedCount: '4' });
    const out = await outputRows(first);
    const failed = out.filter((row) => row.status !== '');
    expect(failed).toHaveLength(4);
    for (const row of failed) {
      expect(row).not.toHaveProperty('response');
      expect(row.status).toMatch(
        /^Bad Request: \{"error":\{"code":400,"message":".+","status":"INVALID_ARGUMENT"\}\}$/,
      );
    }

    await fetch(`${emu.url}/vertex/_emulator/options`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ partial_failure_state: 'JOB_STATE_PARTIALLY_SUCCEEDED' }),
    });
    const second = await vx.waitFor(
      (await vx.create(jobBody('gs://bkt/p/in.jsonl', 'gs://bkt/p/out2'))).name,
      (j) => ENDED.has(j.state),
    );
    expect(second.state).toBe('JOB_STATE_PARTIALLY_SUCCEEDED');
  });

  it('injects per-request errors and invalid JSON, and honours snake_case keys and responseSchema', async () => {
    const schema = {
      type: 'OBJECT',
      properties: { n: { type: 'INTEGER', minimum: 2 }, s: { type: 'STRING', nullable: true } },
      required: ['n', 's'],
    };
    const rows = Array.from({ length: 30 }, (_, i) =>
      JSON.stringify({
        request: {
          contents: [{ role: 'user', parts: [{ text: `q${i}` }] }],
          generation_config: { response_mime_type: 'application/json', response_schema: schema },
          labels: { custom_id: `s-${i}` },
        },
      }),
    );
    await vx.put('bkt', 's/in.jsonl', rows.join('\n'));
    emu.setFaults({ request_errors: { provider: 'vertex', rate: 0.3, status: 429 }, invalid_json_rate: 0.3 });
    const done = await vx.waitFor(
      (await vx.create(jobBody('gs://bkt/s/in.jsonl', 'gs://bkt/s/out'))).name,
      (j) => ENDED.has(j.state),
    );
    const out = await outputRows(done);
    const limited = out.filter((row) => row.status !== '');
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]!.status).toMatch(/^Too Many Requests: .*"status":"RESOURCE_EXHAUSTED"/);
    const texts = out
      .filter((row) => row.status === '')
      .map((row) => row.response.candidates[0]!.content.parts[0]!.text);
    const parsed = texts.flatMap((text) => {
      try {
        return [JSON.parse(text)];
      } catch {
        return [];
      }
    });
    expect(parsed.length).toBeGreaterThan(0);
    expect(parsed.length).toBeLessThan(texts.length);
    for (const value of parsed) expect(value).toEqual({ n: 2, s: 'string' });
  });

  it('cancels mid-run with partial output, then refuses to cancel an ended job', async () => {
    await vx.put(
      'bkt',
      'c/in.jsonl',
      Array.from({ length: 200 }, (_, i) => chatRow(`c-${i}`, `x${i}`)).join('\n'),
    );
    emu.setFaults({ slow_factor: 4 });
    const created = await vx.create(jobBody('gs://bkt/c/in.jsonl', 'gs://bkt/c/out'));
    await vx.waitFor(
      created.name,
      (job) => job.state === 'JOB_STATE_RUNNING' && Number(job.completionStats?.successfulCount ?? 0) > 0,
    );
    const id = created.name.split('/').pop();
    expect(await vx.call(`/${id}:cancel`, { method: 'POST', body: '{}' })).toEqual({ status: 200, body: {} });
    expect((await vx.get(created.name)).state).toBe('JOB_STATE_CANCELLING');
    const done = await vx.waitFor(created.name, (job) => ENDED.has(job.state));
    expect(done.state).toBe('JOB_STATE_CANCELLED');
    expect(done.error).toEqual({ code: 1, message: 'CANCELED' });
    const succeeded = Number(done.completionStats!.successfulCount);
    expect(succeeded).toBeGreaterThan(0);
    expect(succeeded).toBeLessThan(200);
    expect(Number(done.completionStats!.incompleteCount)).toBe(200 - succeeded);
    expect(await outputRows(done)).toHaveLength(succeeded);

    const again = await vx.call(`/${id}:cancel`, { method: 'POST', body: '{}' });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ error: { code: 400, status: 'FAILED_PRECONDITION' } });
  });

  it('expires with the completed share written', async () => {
    await vx.put(
      'bkt',
      'e/in.jsonl',
      Array.from({ length: 50 }, (_, i) => chatRow(`e-${i}`, `x${i}`)).join('\n'),
    );
    emu.setFaults({ expire: { provider: 'vertex', fraction_completed: 0.4 } });
    const done = await vx.waitFor(
      (await vx.create(jobBody('gs://bkt/e/in.jsonl', 'gs://bkt/e/out'))).name,
      (j) => ENDED.has(j.state),
    );
    expect(done.state).toBe('JOB_STATE_EXPIRED');
    expect(done.completionStats).toEqual({ successfulCount: '20', incompleteCount: '30' });
    expect(await outputRows(done)).toHaveLength(20);
  });

  it('fails a job whose input is missing, malformed, or hit by fail_validation', async () => {
    const missing = await vx.waitFor(
      (await vx.create(jobBody('gs://bkt/nothing.jsonl', 'gs://bkt/o'))).name,
      (j) => ENDED.has(j.state),
    );
    expect(missing).toMatchObject({ state: 'JOB_STATE_FAILED', error: { code: 3 } });
    expect(missing.error!.message).toMatch(/No input files/);

    await vx.put('bkt', 'bad.jsonl', `${chatRow('a', 'b')}\nnot json\n`);
    const bad = await vx.waitFor((await vx.create(jobBody('gs://bkt/bad.jsonl', 'gs://bkt/o'))).name, (j) =>
      ENDED.has(j.state),
    );
    expect(bad.error!.message).toMatch(/Line 2 of gs:\/\/bkt\/bad\.jsonl/);

    emu.setFaults({ fail_validation: { provider: 'vertex', times: 1 } });
    await vx.put('bkt', 'good.jsonl', chatRow('a', 'b'));
    const injected = await vx.waitFor(
      (await vx.create(jobBody('gs://bkt/good.jsonl', 'gs://bkt/o'))).name,
      (j) => ENDED.has(j.state),
    );
    expect(injected.state).toBe('JOB_STATE_FAILED');
    expect(injected).not.toHaveProperty('completionStats');
  });

  it('reads wildcard inputs and shards outputs when told to', async () => {
    await vx.put('bkt', 'w/a.jsonl', Array.from({ length: 5 }, (_, i) => chatRow(`a-${i}`, 'a')).join('\n'));
    await vx.put('bkt', 'w/b.jsonl', Array.from({ length: 6 }, (_, i) => chatRow(`b-${i}`, 'b')).join('\n'));
    await vx.put('bkt', 'w/skip.txt', 'not input');
    await fetch(`${emu.url}/vertex/_emulator/options`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ shard_lines: 4 }),
    });
    const done = await vx.waitFor(
      (await vx.create(jobBody('gs://bkt/w/*.jsonl', 'gs://bkt/w/out/'))).name,
      (j) => ENDED.has(j.state),
    );
    expect(done.completionStats).toEqual({ successfulCount: '11' });
    const files = (await vx.list('bkt', 'w/out/')).map((name) => name.split('/').pop());
    expect(files).toEqual(['predictions_00001.jsonl', 'predictions_00002.jsonl', 'predictions_00003.jsonl']);
    expect(await outputRows(done)).toHaveLength(11);
  });

  it('writes text-embedding predictions, with or without instanceConfig.keyField', async () => {
    await vx.put(
      'bkt',
      'emb/in.jsonl',
      ['{"content":"hello"}', '{"content":"ünï 🎉","custom_id":"k2"}', '{"content":""}'].join('\n'),
    );
    const plain = await vx.waitFor(
      (
        await vx.create(
          jobBody('gs://bkt/emb/in.jsonl', 'gs://bkt/emb/o1', {
            model: 'publishers/google/models/text-embedding-005',
          }),
        )
      ).name,
      (j) => ENDED.has(j.state),
    );
    const rows = await outputRows(plain);
    const hello = rows.find((row) => row.instance?.content === 'hello')!;
    expect(Object.keys(hello)).toEqual(['instance', 'predictions', 'status']);
    expect(hello.predictions[0]!.embeddings.statistics).toEqual({ token_count: 2, truncated: false });
    expect(hello.predictions[0]!.embeddings.values).toHaveLength(768);
    expect(rows.find((row) => row.instance?.content === '')!.status).toMatch(/^Bad Request/);

    const keyed = await vx.waitFor(
      (
        await vx.create(
          jobBody('gs://bkt/emb/in.jsonl', 'gs://bkt/emb/o2', {
            model: 'text-embedding-005',
            instanceConfig: { keyField: 'custom_id' },
            modelParameters: { outputDimensionality: 16 },
          }),
        )
      ).name,
      (j) => ENDED.has(j.state),
    );
    const keyedRows = await outputRows(keyed);
    const k2 = keyedRows.find((row) => row.key === 'k2')!;
    expect(Object.keys(k2)).toEqual(['key', 'predictions', 'status']);
    expect(k2.predictions[0]!.embeddings.values).toHaveLength(16);
  });

  it('runs Gemini jobs at location global, and refuses tuned and third-party models there', async () => {
    const global = vertexClient(emu, 'test-proj', 'global');
    await vx.put('bkt', 'g/in.jsonl', chatRow('a', 'hello there'));
    const created = await global.create(jobBody('gs://bkt/g/in.jsonl', 'gs://bkt/g/out'));
    expect(created.name).toMatch(/^projects\/\d+\/locations\/global\/batchPredictionJobs\/\d+$/);
    const id = created.name.split('/').pop();
    expect((await global.waitFor(created.name, (job) => ENDED.has(job.state))).state).toBe(
      'JOB_STATE_SUCCEEDED',
    );
    // Jobs are kept per location: the regional path does not know it.
    expect((await vx.call(`/${id}`)).status).toBe(404);

    for (const model of [
      'projects/1/locations/us-central1/endpoints/2',
      'publishers/anthropic/models/claude',
    ]) {
      const refused = await global.call('', {
        method: 'POST',
        body: JSON.stringify(jobBody('gs://bkt/g/in.jsonl', 'gs://bkt/g/out2', { model })),
      });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error: { status: 'INVALID_ARGUMENT' } });
    }
    // A regional location takes them (a tuned model is then the caller's to have deployed there).
    await vx.create(
      jobBody('gs://bkt/g/in.jsonl', 'gs://bkt/g/out3', { model: 'publishers/anthropic/models/claude' }),
    );
  });

  it('refuses an outputDimensionality over the model size at create', async () => {
    await vx.put('bkt', 'big/in.jsonl', '{"content":"hello"}');
    const body = jobBody('gs://bkt/big/in.jsonl', 'gs://bkt/big/out', {
      model: 'publishers/google/models/text-embedding-005',
      modelParameters: { outputDimensionality: 769 },
    });
    const refused = await vx.call('', { method: 'POST', body: JSON.stringify(body) });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      error: { status: 'INVALID_ARGUMENT', message: expect.stringContaining('at most 768') },
    });
  });
});

describe('batch prediction job API', () => {
  it('lists newest first with pages and a display_name filter; deletes ended jobs only', async () => {
    await vx.put('bkt', 'l/in.jsonl', chatRow('a', 'b'));
    const names: string[] = [];
    for (let i = 0; i < 5; i++) {
      names.push(
        (await vx.create(jobBody('gs://bkt/l/in.jsonl', 'gs://bkt/l/out', { displayName: `chunk-${i}` })))
          .name,
      );
    }
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const { body } = await vx.call(`?pageSize=2${token ? `&pageToken=${token}` : ''}`);
      seen.push(...(body.batchPredictionJobs as Array<{ name: string }>).map((job) => job.name));
      token = body.nextPageToken as string | undefined;
    } while (token);
    expect(seen).toEqual([...names].reverse());

    const filtered = await vx.call(`?filter=${encodeURIComponent('display_name="chunk-3"')}`);
    expect((filtered.body.batchPredictionJobs as Array<{ name: string }>).map((job) => job.name)).toEqual([
      names[3],
    ]);
    expect((await vx.call('?filter=bogus')).status).toBe(400);

    const running = await vx.call(`/${names[0]!.split('/').pop()}`, { method: 'DELETE' });
    expect(running.body).toMatchObject({ error: { status: 'FAILED_PRECONDITION' } });
    await vx.waitFor(names[0]!, (job) => ENDED.has(job.state));
    const deleted = await vx.call(`/${names[0]!.split('/').pop()}`, { method: 'DELETE' });
    expect(deleted.body).toMatchObject({ done: true, name: expect.stringMatching(/\/operations\/\d+$/) });
    expect((await vx.call(`/${names[0]!.split('/').pop()}`)).status).toBe(404);
  });

  it('serves v1beta1 (the SDK default) and accepts a snake_case create body', async () => {
    await vx.put('bkt', 'snake/in.jsonl', chatRow('a', 'b'));
    const response = await fetch(
      `${emu.url}/vertex/v1beta1/projects/123456789012/locations/global/batchPredictionJobs`,
      {
        method: 'POST',
        headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
        body: JSON.stringify({
          display_name: 'snake',
          model: 'gemini-2.5-flash',
          input_config: { instances_format: 'jsonl', gcs_source: { uris: ['gs://bkt/snake/in.jsonl'] } },
          output_config: {
            predictions_format: 'jsonl',
            gcs_destination: { output_uri_prefix: 'gs://bkt/snake/out' },
          },
        }),
      },
    );
    const job = (await response.json()) as { name: string; displayName: string; model: string };
    expect(job.name).toMatch(/^projects\/123456789012\/locations\/global\/batchPredictionJobs\/\d+$/);
    expect(job).toMatchObject({ displayName: 'snake', model: 'publishers/google/models/gemini-2.5-flash' });
  });

  it('answers Google-style errors: auth, unknown job, injected 429', async () => {
    const anonymous = await fetch(vx.base);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED' } });
    expect(await vx.call('/123')).toMatchObject({
      status: 404,
      body: { error: { code: 404, status: 'NOT_FOUND' } },
    });
    expect((await vx.call('', { method: 'POST', body: '{"displayName":"x"}' })).body).toMatchObject({
      error: { code: 400, status: 'INVALID_ARGUMENT' },
    });
    emu.setFaults({ http: [{ provider: 'vertex', status: 429, times: 1 }] });
    const limited = await vx.call('');
    expect(limited).toMatchObject({
      status: 429,
      body: { error: { code: 429, status: 'RESOURCE_EXHAUSTED' } },
    });
    expect((await vx.call('')).status).toBe(200);
  });
});
