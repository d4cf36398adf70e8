import {
  type BedrockClient,
  ConflictException,
  CreateModelInvocationJobCommand,
  GetModelInvocationJobCommand,
  ListModelInvocationJobsCommand,
  paginateListModelInvocationJobs,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  StopModelInvocationJobCommand,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-bedrock';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countPromptTokens, countTokens, echoText } from '../core/model';
import { s3Client } from '../s3/test-support';
import { type EmulatorHandle, startEmulator } from '../server';
import { createAwsProviders } from './provider';
import {
  BUCKET,
  bedrockClient,
  CLAUDE,
  claudeRecord,
  jobInput,
  listKeys,
  putJsonl,
  readLines,
  TITAN,
  waitForJob,
} from './test-support';

let emu: EmulatorHandle;
let bedrock: BedrockClient;
let s3: S3Client;

beforeAll(async () => {
  emu = await startEmulator({ stepMs: 80, seed: 5, providers: [createAwsProviders] });
  bedrock = bedrockClient(emu);
  s3 = s3Client(emu);
});
afterAll(async () => {
  bedrock.destroy();
  s3.destroy();
  await emu.close();
});
beforeEach(() => {
  emu.resetAll();
});

interface OutputLine {
  recordId: string;
  modelInput: Record<string, unknown>;
  modelOutput?: {
    id: string;
    type: string;
    role: string;
    model: string;
    content: Array<{ type: string; text?: string; name?: string; input?: unknown }>;
    stop_reason: string;
    usage: { input_tokens: number; output_tokens: number };
    embedding?: number[];
    inputTextTokenCount?: number;
  };
  error?: { errorCode: number | string; errorMessage: string };
}

async function setOptions(options: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await fetch(`${emu.url}/bedrock/_emulator/options`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(options),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { $metadata: { httpStatusCode?: number; attempts?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { $metadata: { httpStatusCode?: number; attempts?: number } };
  }
  throw new Error('expected the call to fail');
}

function records(count: number, prefix = 'rec') {
  return Array.from({ length: count }, (_, i) => claudeRecord(`${prefix}-${i}`, `Question ${i} 🎉?`));
}

async function submit(name: string, count: number, extra: Record<string, unknown> = {}) {
  const input = await putJsonl(s3, `tranche/${name}/input.jsonl`, records(count));
  return bedrock.send(
    new CreateModelInvocationJobCommand(jobInput(name, input, `s3://${BUCKET}/tranche/${name}/out/`, extra)),
  );
}

const jobIdOf = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

describe('job lifecycle', () => {
  it('runs a Claude job to Completed and writes shuffled output lines and a manifest', async () => {
    const good = records(118);
    const bad = [
      // Bedrock takes the model from the job: a `model` member is refused.
      claudeRecord('bad-model', 'x', { model: 'claude-3-haiku-20240307' }),
      { recordId: 'bad-version', modelInput: { max_tokens: 10, messages: [{ role: 'user', content: 'x' }] } },
    ];
    const input = await putJsonl(s3, 'tranche/j1/input.jsonl', [
      ...good.slice(0, 60),
      ...bad,
      ...good.slice(60),
    ]);
    const created = await bedrock.send(
      new CreateModelInvocationJobCommand(
        jobInput('tranche-j1', input, `s3://${BUCKET}/tranche/j1/out`, { clientRequestToken: 'trc-j1' }),
      ),
    );
    expect(created.jobArn).toMatch(
      /^arn:aws:bedrock:us-east-1:000000000000:model-invocation-job\/[a-z0-9]{12}$/,
    );
    const jobId = jobIdOf(created.jobArn!);

    const first = await bedrock.send(new GetModelInvocationJobCommand({ jobIdentifier: created.jobArn }));
    expect(first).toMatchObject({
      jobArn: created.jobArn,
      jobName: 'tranche-j1',
      modelId: CLAUDE,
      clientRequestToken: 'trc-j1',
      timeoutDurationInHours: 24,
      modelInvocationType: 'InvokeModel',
      inputDataConfig: { s3InputDataConfig: { s3Uri: input, s3InputFormat: 'JSONL' } },
    });
    expect(first.submitTime).toBeInstanceOf(Date);
    expect(first.jobExpirationTime!.getTime() - first.submitTime!.getTime()).toBe(24 * 3_600_000);

    // Whatever the polls happen to see comes in lifecycle order.
    const order = ['Submitted', 'Validating', 'Scheduled', 'InProgress', 'Completed'];
    const seen: number[] = [order.indexOf(first.status!)];
    const ended = await waitForJob(bedrock, jobId, (job) => {
      seen.push(order.indexOf(job.status!));
      return job.status === 'Completed';
    });
    expect(seen.every((at, i) => at >= 0 && (i === 0 || at >= seen[i - 1]!))).toBe(true);
    expect(ended).toMatchObject({
      totalRecordCount: 120,
      processedRecordCount: 120,
      successRecordCount: 118,
      errorRecordCount: 2,
    });
    expect(ended.endTime).toBeInstanceOf(Date);
    expect(ended.message).toBeUndefined();

    const keys = await listKeys(s3, `tranche/j1/out/${jobId}/`);
    expect(keys).toEqual([
      `tranche/j1/out/${jobId}/input.jsonl.out`,
      `tranche/j1/out/${jobId}/manifest.json.out`,
    ]);
    const lines = await readLines<OutputLine>(s3, keys[0]!);
    expect(lines).toHaveLength(120);
    const inputOrder = [...good.slice(0, 60), ...bad, ...good.slice(60)].map((r) => r.recordId);
    expect(lines.map((l) => l.recordId)).not.toEqual(inputOrder);
    expect(new Set(lines.map((l) => l.recordId))).toEqual(new Set(inputOrder));

    const one = lines.find((l) => l.recordId === 'rec-7')!;
    expect(one.modelInput).toEqual(good[7]!.modelInput);
    const messages = [
      { role: 'system', text: 'You are terse.' },
      { role: 'user', text: 'Question 7 🎉?' },
    ];
    expect(one.modelOutput).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-3-haiku-20240307',
      content: [{ type: 'text', text: echoText(messages) }],
      stop_reason: 'end_turn',
      usage: { input_tokens: countPromptTokens(messages), output_tokens: countTokens(echoText(messages)) },
    });
    expect(one.modelOutput!.id).toMatch(/^msg_bdrk_[A-Za-z0-9]{24}$/);
    expect(one.error).toBeUndefined();

    const refused = lines.find((l) => l.recordId === 'bad-model')!;
    expect(refused.modelOutput).toBeUndefined();
    expect(refused.error).toEqual({
      errorCode: 400,
      errorMessage: expect.stringContaining('extraneous key [model] is not permitted'),
    });
    expect(lines.find((l) => l.recordId === 'bad-version')!.error!.errorMessage).toContain(
      'anthropic_version',
    );

    const [manifest] = await readLines(s3, keys[1]!);
    const succeeded = lines.filter((l) => l.modelOutput);
    expect(manifest).toEqual({
      totalRecordCount: 120,
      processedRecordCount: 120,
      successRecordCount: 118,
      errorRecordCount: 2,
      inputTokenCount: succeeded.reduce((sum, l) => sum + l.modelOutput!.usage.input_tokens, 0),
      outputTokenCount: succeeded.reduce((sum, l) => sum + l.modelOutput!.usage.output_tokens, 0),
    });
    expect(emu.stats().bedrock).toMatchObject({ batches: 1, requests: 120 });
  });

  it('answers Titan Text Embeddings V2 records with vectors of the asked size', async () => {
    await setOptions({ min_records: 2 });
    const input = await putJsonl(s3, 'emb/in.jsonl', [
      { recordId: 'e1', modelInput: { inputText: 'hello world', dimensions: 512, normalize: true } },
      { recordId: 'e2', modelInput: { inputText: 'bye' } },
      { recordId: 'e3', modelInput: { inputText: 'x', dimensions: 300 } },
      // Bedrock adds a recordId to a record without one.
      { modelInput: { inputText: 'no id', dimensions: 256 } },
    ]);
    const { jobArn } = await bedrock.send(
      new CreateModelInvocationJobCommand(
        jobInput('emb', input, `s3://${BUCKET}/emb/out/`, { modelId: TITAN }),
      ),
    );
    const ended = await waitForJob(bedrock, jobArn!);
    expect(ended).toMatchObject({ status: 'Completed', successRecordCount: 3, errorRecordCount: 1 });
    const lines = await readLines<OutputLine>(s3, `emb/out/${jobIdOf(jobArn!)}/in.jsonl.out`);
    const byId = new Map(lines.map((l) => [l.recordId, l]));
    expect(byId.get('e1')!.modelOutput!.embedding).toHaveLength(512);
    expect(byId.get('e1')!.modelOutput!.inputTextTokenCount).toBe(countTokens('hello world'));
    expect(byId.get('e2')!.modelOutput!.embedding).toHaveLength(1024);
    expect(byId.get('e3')!.error!.errorCode).toBe(400);
    const generated = lines.find((l) => !['e1', 'e2', 'e3'].includes(l.recordId))!;
    expect(generated.recordId).toMatch(/^[A-Z0-9]{11}$/);
    expect(generated.modelOutput!.embedding).toHaveLength(256);
  });

  it('fails a job with fewer records than the minimum, with a message', async () => {
    const { jobArn } = await submit('few', 42);
    const ended = await waitForJob(bedrock, jobArn!);
    expect(ended.status).toBe('Failed');
    expect(ended.message).toContain('(42) is less than the minimum of 100');
    expect(ended.totalRecordCount).toBeUndefined();
    expect(await listKeys(s3, 'tranche/few/out/')).toEqual([]);

    await setOptions({ min_records: 40, max_records: 41 });
    const over = await submit('many', 42);
    expect((await waitForJob(bedrock, over.jobArn!)).message).toContain('maximum of 41');
  });

  it('fails a job whose input is missing or not JSONL records', async () => {
    const missing = await bedrock.send(
      new CreateModelInvocationJobCommand(
        jobInput('missing', `s3://${BUCKET}/nothing/here.jsonl`, `s3://${BUCKET}/o/`),
      ),
    );
    expect((await waitForJob(bedrock, missing.jobArn!)).message).toContain('No .jsonl input files');
    await setOptions({ min_records: 1 });
    const input = await putJsonl(s3, 'broken/in.jsonl', [
      claudeRecord('a', 'x'),
      { recordId: 'b', body: {} },
    ]);
    const broken = await bedrock.send(
      new CreateModelInvocationJobCommand(jobInput('broken', input, `s3://${BUCKET}/o/`)),
    );
    const ended = await waitForJob(bedrock, broken.jobArn!);
    expect(ended).toMatchObject({ status: 'Failed', message: expect.stringContaining('line 2 of') });
  });

  it('ends PartiallyCompleted with part of the output under the expire fault, Expired when nothing ran', async () => {
    emu.setFaults({ expire: { provider: 'bedrock', fraction_completed: 0.5, times: 1 } });
    const partial = await submit('partial', 100);
    const ended = await waitForJob(bedrock, partial.jobArn!);
    expect(ended).toMatchObject({
      status: 'PartiallyCompleted',
      totalRecordCount: 100,
      processedRecordCount: 50,
    });
    const folder = `tranche/partial/out/${jobIdOf(partial.jobArn!)}/`;
    expect(await readLines(s3, `${folder}input.jsonl.out`)).toHaveLength(50);
    expect((await readLines(s3, `${folder}manifest.json.out`))[0]).toMatchObject({
      processedRecordCount: 50,
    });

    emu.setFaults({ expire: { provider: 'bedrock', fraction_completed: 0, times: 1 } });
    const expired = await submit('expired', 100);
    expect((await waitForJob(bedrock, expired.jobArn!)).status).toBe('Expired');
    expect(await listKeys(s3, 'tranche/expired/out/')).toEqual([]);
  });

  it('stops a running job: Stopping, then Stopped with the output of what ran; ended jobs refuse', async () => {
    // Each phase lasts 2 s instead of 80 ms, so the test sees the job running and stopping.
    emu.setFaults({ slow_factor: 25 });
    const { jobArn } = await submit('stop', 100);
    const validating = await bedrock.send(new GetModelInvocationJobCommand({ jobIdentifier: jobArn }));
    expect(['Submitted', 'Validating']).toContain(validating.status);
    // Counts appear once validation is done.
    expect(validating.totalRecordCount).toBeUndefined();
    const running = await waitForJob(
      bedrock,
      jobArn!,
      (job) => job.status === 'InProgress' || ENDED_STATUS(job.status),
    );
    expect(running.status).toBe('InProgress');
    await bedrock.send(new StopModelInvocationJobCommand({ jobIdentifier: jobArn }));
    const stopping = await bedrock.send(new GetModelInvocationJobCommand({ jobIdentifier: jobArn }));
    expect(stopping.status).toBe('Stopping');
    // A second stop changes nothing.
    await bedrock.send(new StopModelInvocationJobCommand({ jobIdentifier: jobIdOf(jobArn!) }));
    const stopped = await waitForJob(bedrock, jobArn!);
    expect(stopped.status).toBe('Stopped');
    expect(stopped.processedRecordCount).toBeGreaterThanOrEqual(running.processedRecordCount!);
    expect(stopped.processedRecordCount).toBeLessThan(100);
    const lines = await readLines(s3, `tranche/stop/out/${jobIdOf(jobArn!)}/input.jsonl.out`);
    expect(lines).toHaveLength(stopped.processedRecordCount!);
    await bedrock.send(new StopModelInvocationJobCommand({ jobIdentifier: jobArn }));

    emu.setFaults({});
    const done = await submit('done', 100);
    await waitForJob(bedrock, done.jobArn!);
    const refused = await rejection(
      bedrock.send(new StopModelInvocationJobCommand({ jobIdentifier: done.jobArn })),
    );
    expect(refused).toBeInstanceOf(ConflictException);
    expect(refused.message).toContain('is in status Completed');
  });

  it('stops a job before it runs, leaving no output', async () => {
    emu.setFaults({ slow_factor: 25 });
    const { jobArn } = await submit('early', 100);
    await bedrock.send(new StopModelInvocationJobCommand({ jobIdentifier: jobArn }));
    const stopped = await waitForJob(bedrock, jobArn!);
    expect(stopped.status).toBe('Stopped');
    expect(await listKeys(s3, 'tranche/early/out/')).toEqual([]);
  });
});

const ENDED_STATUS = (status: string | undefined) =>
  ['Completed', 'PartiallyCompleted', 'Failed', 'Stopped', 'Expired'].includes(status ?? '');

describe('switches and faults on records', () => {
  it('fails records alone under request_errors and tools_in_batch, with string error codes when asked', async () => {
    await setOptions({ min_records: 1, tools_in_batch: 'record_error', error_code_type: 'string' });
    emu.setFaults({ request_errors: { provider: 'bedrock', rate: 1, status: 429 } });
    const tool = { name: 'answer', input_schema: { type: 'object', properties: { a: { type: 'string' } } } };
    const input = await putJsonl(s3, 'sw/in.jsonl', [
      claudeRecord('plain', 'hi'),
      claudeRecord('tools', 'hi', { tools: [tool], tool_choice: { type: 'tool', name: 'answer' } }),
    ]);
    const { jobArn } = await bedrock.send(
      new CreateModelInvocationJobCommand(jobInput('sw', input, `s3://${BUCKET}/sw/out/`)),
    );
    const ended = await waitForJob(bedrock, jobArn!);
    expect(ended).toMatchObject({ status: 'Completed', successRecordCount: 0, errorRecordCount: 2 });
    const lines = await readLines<OutputLine>(s3, `sw/out/${jobIdOf(jobArn!)}/in.jsonl.out`);
    const byId = new Map(lines.map((l) => [l.recordId, l.error]));
    expect(byId.get('plain')).toEqual({
      errorCode: '429',
      errorMessage: expect.stringContaining('Too many requests'),
    });
    expect(byId.get('tools')).toEqual({
      errorCode: '400',
      errorMessage: 'Batch inference does not support tool calling.',
    });
  });

  it('answers a forced tool with a tool_use block when tools are allowed', async () => {
    await setOptions({ min_records: 1 });
    const tool = {
      name: 'answer',
      input_schema: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
    };
    const input = await putJsonl(s3, 'tool/in.jsonl', [
      claudeRecord('t', 'hi', { tools: [tool], tool_choice: { type: 'tool', name: 'answer' } }),
    ]);
    const { jobArn } = await bedrock.send(
      new CreateModelInvocationJobCommand(jobInput('tool', input, `s3://${BUCKET}/tool/out/`)),
    );
    await waitForJob(bedrock, jobArn!);
    const [line] = await readLines<OutputLine>(s3, `tool/out/${jobIdOf(jobArn!)}/in.jsonl.out`);
    expect(line!.modelOutput).toMatchObject({
      stop_reason: 'tool_use',
      content: [{ type: 'tool_use', name: 'answer', input: { a: expect.any(String) } }],
    });
  });

  it('fails a job with strict record ids on a bad one, and under fail_validation', async () => {
    await setOptions({ min_records: 1, record_ids: 'strict' });
    const input = await putJsonl(s3, 'ids/in.jsonl', [
      claudeRecord('ok_1', 'x'),
      claudeRecord('not ok!', 'y'),
    ]);
    const strict = await bedrock.send(
      new CreateModelInvocationJobCommand(jobInput('ids', input, `s3://${BUCKET}/ids/out/`)),
    );
    expect((await waitForJob(bedrock, strict.jobArn!)).message).toContain('The recordId on line 2');
    emu.setFaults({ fail_validation: { provider: 'bedrock', times: 1 } });
    const good = await putJsonl(s3, 'ids/good.jsonl', [claudeRecord('ok_1', 'x')]);
    const injected = await bedrock.send(
      new CreateModelInvocationJobCommand(jobInput('ids2', good, `s3://${BUCKET}/ids/out/`)),
    );
    expect(await waitForJob(bedrock, injected.jobArn!)).toMatchObject({
      status: 'Failed',
      message: expect.stringContaining('injected'),
    });
  });

  it('refuses a create past the active-jobs quota with ServiceQuotaExceededException', async () => {
    await setOptions({ max_active_jobs_per_model: 1 });
    emu.setFaults({ slow_factor: 25 });
    await submit('quota-1', 100);
    const refused = await rejection(submit('quota-2', 100));
    expect(refused).toBeInstanceOf(ServiceQuotaExceededException);
    expect(refused.$metadata.httpStatusCode).toBe(400);
    // Another model has its own quota.
    const other = await submit('quota-3', 100, { modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0' });
    expect(other.jobArn).toBeDefined();
  });
});

describe('clientRequestToken', () => {
  it('answers a repeat with the same job, and refuses the token with other parameters', async () => {
    const input = await putJsonl(s3, 'idem/in.jsonl', records(100));
    const params = jobInput('idem', input, `s3://${BUCKET}/idem/out/`, { clientRequestToken: 'trc-idem-1' });
    const first = await bedrock.send(new CreateModelInvocationJobCommand(params));
    const again = await bedrock.send(new CreateModelInvocationJobCommand(params));
    expect(again.jobArn).toBe(first.jobArn);
    const conflict = await rejection(
      bedrock.send(new CreateModelInvocationJobCommand({ ...params, timeoutDurationInHours: 48 })),
    );
    expect(conflict).toBeInstanceOf(ConflictException);
    const listed = await bedrock.send(new ListModelInvocationJobsCommand({}));
    expect(listed.invocationJobSummaries).toHaveLength(1);
    // A new token with the same name: the name is in use.
    const named = await rejection(
      bedrock.send(new CreateModelInvocationJobCommand({ ...params, clientRequestToken: 'trc-idem-2' })),
    );
    expect(named).toBeInstanceOf(ValidationException);
    expect(named.message).toBe('The provided job name is currently in use.');
  });

  it('creates the job when the answer is lost: a retry gets the same job, and List finds it by token', async () => {
    const input = await putJsonl(s3, 'lost/in.jsonl', records(100));
    emu.setFaults({
      drop_response: [{ provider: 'bedrock', method: 'POST', path: '/model-invocation-job', times: 1 }],
    });
    const once = bedrockClient(emu, { maxAttempts: 1 });
    const lost = await rejection(
      once.send(
        new CreateModelInvocationJobCommand(
          jobInput('lost-1', input, `s3://${BUCKET}/lost/out/`, { clientRequestToken: 'trc-lost-1' }),
        ),
      ),
    );
    expect(lost.$metadata?.httpStatusCode).toBeUndefined();
    const found = await bedrock.send(
      new ListModelInvocationJobsCommand({
        nameContains: 'lost-',
        submitTimeAfter: new Date(Date.now() - 300_000),
      }),
    );
    expect(found.invocationJobSummaries!.map((job) => job.clientRequestToken)).toEqual(['trc-lost-1']);
    once.destroy();

    // The SDK's own retry carries the same token, so it adopts the job the lost answer made.
    emu.setFaults({
      drop_response: [{ provider: 'bedrock', method: 'POST', path: '/model-invocation-job', times: 1 }],
    });
    const retried = await bedrock.send(
      new CreateModelInvocationJobCommand(
        jobInput('lost-2', input, `s3://${BUCKET}/lost/out/`, { clientRequestToken: 'trc-lost-2' }),
      ),
    );
    expect(retried.$metadata.attempts).toBe(2);
    const all = await bedrock.send(new ListModelInvocationJobsCommand({ nameContains: 'lost-' }));
    expect(all.invocationJobSummaries!.map((job) => job.jobArn)).toEqual([
      retried.jobArn,
      found.invocationJobSummaries![0]!.jobArn,
    ]);
  });
});

describe('ListModelInvocationJobs', () => {
  it('filters by name, status and time, sorts, and pages with nextToken', async () => {
    await setOptions({ min_records: 1 });
    const input = await putJsonl(s3, 'list/in.jsonl', records(3));
    const arns: string[] = [];
    for (const name of ['alpha-1', 'alpha-2', 'beta-1', 'alpha-3', 'beta-2']) {
      const { jobArn } = await bedrock.send(
        new CreateModelInvocationJobCommand(jobInput(name, input, `s3://${BUCKET}/list/out/`)),
      );
      arns.push(jobArn!);
    }
    const few = await putJsonl(s3, 'list/few.jsonl', []);
    await setOptions({ min_records: 100 });
    const failed = await bedrock.send(
      new CreateModelInvocationJobCommand(jobInput('gamma-1', few, `s3://${BUCKET}/list/out/`)),
    );
    await waitForJob(bedrock, failed.jobArn!);

    const alphas = await bedrock.send(new ListModelInvocationJobsCommand({ nameContains: 'alpha-' }));
    expect(alphas.invocationJobSummaries!.map((job) => job.jobName)).toEqual([
      'alpha-3',
      'alpha-2',
      'alpha-1',
    ]);
    expect(alphas.nextToken).toBeUndefined();
    const ascending = await bedrock.send(
      new ListModelInvocationJobsCommand({
        nameContains: 'alpha-',
        sortBy: 'CreationTime',
        sortOrder: 'Ascending',
      }),
    );
    expect(ascending.invocationJobSummaries!.map((job) => job.jobName)).toEqual([
      'alpha-1',
      'alpha-2',
      'alpha-3',
    ]);

    const failedOnly = await bedrock.send(new ListModelInvocationJobsCommand({ statusEquals: 'Failed' }));
    expect(failedOnly.invocationJobSummaries!.map((job) => job.jobName)).toEqual(['gamma-1']);
    expect(failedOnly.invocationJobSummaries![0]!.message).toContain('less than the minimum');

    const future = await bedrock.send(
      new ListModelInvocationJobsCommand({ submitTimeAfter: new Date(Date.now() + 60_000) }),
    );
    expect(future.invocationJobSummaries).toEqual([]);
    const past = await bedrock.send(
      new ListModelInvocationJobsCommand({ submitTimeBefore: new Date(Date.now() - 60_000) }),
    );
    expect(past.invocationJobSummaries).toEqual([]);

    const pages: string[][] = [];
    for await (const page of paginateListModelInvocationJobs({ client: bedrock, pageSize: 2 }, {}))
      pages.push(page.invocationJobSummaries!.map((job) => job.jobName!));
    expect(pages).toEqual([
      ['gamma-1', 'beta-2'],
      ['alpha-3', 'beta-1'],
      ['alpha-2', 'alpha-1'],
    ]);

    const bad = await rejection(bedrock.send(new ListModelInvocationJobsCommand({ nextToken: 'garbage' })));
    expect(bad).toBeInstanceOf(ValidationException);
  });
});

describe('errors as the SDK sees them', () => {
  it('refuses bad create parameters with a ValidationException naming the member', async () => {
    const input = `s3://${BUCKET}/x/in.jsonl`;
    const badName = await rejection(
      bedrock.send(
        new CreateModelInvocationJobCommand(
          jobInput('bad_name', input, `s3://${BUCKET}/o/`, { timeoutDurationInHours: 200 }),
        ),
      ),
    );
    expect(badName).toBeInstanceOf(ValidationException);
    expect(badName.$metadata.httpStatusCode).toBe(400);
    expect(badName.message).toMatch(
      /^2 validation errors detected: Value 'bad_name' at 'jobName'.*timeoutDurationInHours/,
    );

    const badModel = await rejection(
      bedrock.send(
        new CreateModelInvocationJobCommand(
          jobInput('m', input, `s3://${BUCKET}/o/`, { modelId: 'openai.gpt-9' }),
        ),
      ),
    );
    expect(badModel).toBeInstanceOf(ValidationException);
    expect(badModel.message).toBe('The provided model identifier is invalid.');

    const badUri = await rejection(
      bedrock.send(
        new CreateModelInvocationJobCommand(jobInput('u', 's3://B/in put.jsonl', `s3://${BUCKET}/o/`)),
      ),
    );
    expect(badUri.message).toContain("at 'inputDataConfig.s3InputDataConfig.s3Uri'");

    // Inference profiles and model ARNs name a model too.
    for (const modelId of [
      'us.anthropic.claude-3-5-haiku-20241022-v1:0',
      'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0',
    ]) {
      const created = await bedrock.send(
        new CreateModelInvocationJobCommand(
          jobInput(`p${modelId.length}`, input, `s3://${BUCKET}/o/`, { modelId }),
        ),
      );
      expect(created.jobArn).toBeDefined();
    }
  });

  it('answers ResourceNotFound for an unknown job and ValidationException for a malformed identifier', async () => {
    const missing = await rejection(
      bedrock.send(new GetModelInvocationJobCommand({ jobIdentifier: 'abcdefghijkl' })),
    );
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect(missing.$metadata.httpStatusCode).toBe(404);
    const otherAccount = await rejection(
      bedrock.send(
        new GetModelInvocationJobCommand({
          jobIdentifier: 'arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abcdefghijkl',
        }),
      ),
    );
    expect(otherAccount).toBeInstanceOf(ResourceNotFoundException);
    const malformed = await rejection(
      bedrock.send(new GetModelInvocationJobCommand({ jobIdentifier: 'NOPE' })),
    );
    expect(malformed).toBeInstanceOf(ValidationException);
  });

  it('answers injected faults as named exceptions, which the SDK retries', async () => {
    emu.setFaults({ http: [{ provider: 'bedrock', path: '/model-invocation-jobs', status: 429, times: 1 }] });
    const listed = await bedrock.send(new ListModelInvocationJobsCommand({}));
    expect(listed.$metadata.attempts).toBe(2);
    emu.setFaults({
      http: [
        { provider: 'bedrock', path: '/model-invocation-jobs', status: 429, times: 3, message: 'Slow down' },
      ],
    });
    const throttled = await rejection(bedrock.send(new ListModelInvocationJobsCommand({})));
    expect(throttled).toBeInstanceOf(ThrottlingException);
    expect(throttled.message).toBe('Slow down');
    expect(throttled.$metadata.attempts).toBe(3);
  });

  it('refuses an unsigned request', async () => {
    const response = await fetch(`${emu.url}/bedrock/model-invocation-jobs`);
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });
});

describe('registration', () => {
  it('names the variables that point Tranche at the emulator', () => {
    expect(emu.clientEnv).toEqual({
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'emulator',
      AWS_SECRET_ACCESS_KEY: 'emulator-not-a-secret',
      AWS_ENDPOINT_URL_BEDROCK: `${emu.url}/bedrock`,
      AWS_ENDPOINT_URL_S3: `${emu.url}/s3`,
      BEDROCK_ROLE_ARN: 'arn:aws:iam::000000000000:role/tranche-emulator',
      BEDROCK_S3_BUCKET: 'tranche-emulator',
      BEDROCK_S3_FORCE_PATH_STYLE: 'true',
    });
  });

  it('shows and changes its options, and a reset restores them', async () => {
    expect(await setOptions({ min_records: 5, error_code_type: 'string' })).toMatchObject({
      min_records: 5,
      error_code_type: 'string',
      max_records: 50_000,
    });
    emu.resetAll();
    const shown = (await (await fetch(`${emu.url}/bedrock/_emulator/options`)).json()) as Record<
      string,
      unknown
    >;
    expect(shown).toMatchObject({ min_records: 100, error_code_type: 'number' });
    const bad = await fetch(`${emu.url}/bedrock/_emulator/options`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ min_records: 0 }),
    });
    expect(bad.status).toBe(400);
  });
});
