import {
  BedrockClient,
  type BedrockClientConfig,
  GetModelInvocationJobCommand,
  type GetModelInvocationJobCommandOutput,
} from '@aws-sdk/client-bedrock';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { EmulatorHandle } from '../server';

export const BUCKET = 'tranche-emulator';
export const ROLE = 'arn:aws:iam::000000000000:role/tranche-emulator';
export const CLAUDE = 'anthropic.claude-3-haiku-20240307-v1:0';
export const TITAN = 'amazon.titan-embed-text-v2:0';

/** A Bedrock client pointed at the emulator as the adapter points it (explicit options: tests share a process). */
export function bedrockClient(emu: EmulatorHandle, config: BedrockClientConfig = {}): BedrockClient {
  return new BedrockClient({
    region: 'us-east-1',
    endpoint: `${emu.url}/bedrock`,
    credentials: { accessKeyId: 'emulator', secretAccessKey: 'emulator-not-a-secret' },
    ...config,
  });
}

export function claudeRecord(recordId: string, text: string, extra: Record<string, unknown> = {}) {
  return {
    recordId,
    modelInput: {
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 256,
      system: 'You are terse.',
      messages: [{ role: 'user', content: text }],
      ...extra,
    },
  };
}

export async function putJsonl(s3: S3Client, key: string, records: unknown[]): Promise<string> {
  const body = `${records.map((record) => JSON.stringify(record)).join('\n')}\n`;
  await s3.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentType: 'application/jsonl' }),
  );
  return `s3://${BUCKET}/${key}`;
}

export function jobInput(name: string, input: string, output: string, extra: Record<string, unknown> = {}) {
  return {
    jobName: name,
    roleArn: ROLE,
    modelId: CLAUDE,
    inputDataConfig: { s3InputDataConfig: { s3Uri: input, s3InputFormat: 'JSONL' as const } },
    outputDataConfig: { s3OutputDataConfig: { s3Uri: output } },
    timeoutDurationInHours: 24,
    ...extra,
  };
}

export const ENDED = new Set(['Completed', 'PartiallyCompleted', 'Failed', 'Stopped', 'Expired']);

export async function waitForJob(
  client: BedrockClient,
  jobIdentifier: string,
  done: (job: GetModelInvocationJobCommandOutput) => boolean = (job) => ENDED.has(job.status!),
  timeoutMs = 15_000,
): Promise<GetModelInvocationJobCommandOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await client.send(new GetModelInvocationJobCommand({ jobIdentifier }));
    if (done(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobIdentifier} stuck in ${job.status}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function listKeys(s3: S3Client, prefix: string): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (page.Contents ?? []).map((object) => object.Key!);
}

export async function readLines<T = Record<string, unknown>>(s3: S3Client, key: string): Promise<T[]> {
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const text = await got.Body!.transformToString();
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as T);
}
