import { once } from 'node:events';
import { createReadStream, createWriteStream, openAsBlob } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyRows } from '@tranche/db';
import OpenAI, { toFile } from 'openai';
import { createClients as createBedrockClients } from '../packages/adapters/src/bedrock/clients';
import { bedrockEmulatorEnv } from '../packages/adapters/src/bedrock/env';
import { deleteKeys, objectLines, uploadFile } from '../packages/adapters/src/bedrock/s3-files';
import { descriptorOf } from '../packages/adapters/src/providers';
import { createStorage } from '../packages/adapters/src/vertex/clients';
import type { Stack } from '../test/support/stack';
import { CHAT_MODELS, type ChatInput, type Provider, secondsSince } from './harness';

export interface Floor {
  /** COPY of the inputs into Postgres once. */
  copyS: number;
  /** The provider's own transfer of the same requests: upload (or inline create) and download. */
  transferS: number;
  uploadS: number;
  downloadS: number;
  /** Request files (or inline creates) the provider's per-batch caps split the inputs into. */
  files: number;
  totalS: number;
}

/**
 * The least any service must spend on these inputs, measured in the same run: COPY them into Postgres once, then
 * move them through the provider's API once, split at its per-batch caps as Tranche splits them.
 * - openai, mistral: upload each request file and download it back.
 * - anthropic: each chunk created with its requests inline (one JSON body), then its results downloaded; the
 *   emulator's time to run the batch in between is not counted.
 * - vertex: each request file uploaded to Cloud Storage with the storage SDK (resumable, like the worker) and
 *   downloaded back.
 */
export async function measureFloor(
  stack: Stack,
  provider: Provider,
  inputs: Iterable<ChatInput>,
): Promise<Floor> {
  const copyS = await timeCopy(stack, inputs);
  const dir = await mkdtemp(join(tmpdir(), 'tranche-floor-'));
  try {
    const files = await writeChunkFiles(dir, provider, inputs);
    let uploadS = 0;
    let downloadS = 0;
    for (const file of files) {
      const times = await TRANSFERS[provider].move(stack, file);
      uploadS += times.uploadS;
      downloadS += times.downloadS;
    }
    const transferS = uploadS + downloadS;
    return { copyS, transferS, uploadS, downloadS, files: files.length, totalS: copyS + transferS };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function timeCopy(stack: Stack, inputs: Iterable<ChatInput>): Promise<number> {
  await stack.sql`drop table if exists floor_inputs`;
  await stack.sql`create table floor_inputs (id text, request jsonb)`;
  const started = performance.now();
  await copyRows(stack.sql, 'floor_inputs', ['id', 'request'], copyRowsOf(inputs));
  const seconds = (performance.now() - started) / 1000;
  await stack.sql`drop table floor_inputs`;
  return seconds;
}

function* copyRowsOf(inputs: Iterable<ChatInput>): Generator<[string, string]> {
  for (const input of inputs)
    yield [input.id, JSON.stringify({ messages: [{ role: 'user', content: input.prompt }] })];
}

/** One request line in the provider's own batch format, as the worker writes it (no params: the job's are none). */
function requestLine(provider: Provider, input: ChatInput): string {
  const request = { messages: [{ role: 'user' as const, content: input.prompt }] };
  const context = { jobId: 'floor', model: CHAT_MODELS[provider], kind: 'chat' as const };
  return descriptorOf(provider).encoder.encodeLine(input.id, request, context);
}

interface ChunkFile {
  path: string;
  bytes: number;
  requests: number;
}

/** The requests as JSONL files, a new file whenever the next line would pass the provider's per-batch caps. */
async function writeChunkFiles(
  dir: string,
  provider: Provider,
  inputs: Iterable<ChatInput>,
): Promise<ChunkFile[]> {
  const limits = descriptorOf(provider).limits;
  const room = limits.maxBytes - TRANSFERS[provider].envelopeBytes;
  const files: ChunkFile[] = [];
  let current: (ChunkFile & { out: ReturnType<typeof createWriteStream> }) | null = null;
  const close = async () => {
    if (!current) return;
    current.out.end();
    await once(current.out, 'close');
    files.push({ path: current.path, bytes: current.bytes, requests: current.requests });
    current = null;
  };
  for (const input of inputs) {
    const line = `${requestLine(provider, input)}\n`;
    const bytes = Buffer.byteLength(line);
    if (current && (current.requests >= limits.maxRequests || current.bytes + bytes > room)) await close();
    if (!current) {
      const path = join(dir, `chunk-${files.length}.jsonl`);
      current = { path, bytes: 0, requests: 0, out: createWriteStream(path) };
    }
    current.bytes += bytes;
    current.requests += 1;
    if (!current.out.write(line)) await once(current.out, 'drain');
  }
  await close();
  return files;
}

interface Transfer {
  /** Bytes the provider's cap counts around the lines themselves. */
  envelopeBytes: number;
  move(stack: Stack, file: ChunkFile): Promise<{ uploadS: number; downloadS: number }>;
}

/** One request file up through an OpenAI-wire Files API and back down, each way timed. */
async function filesRoundTrip(
  client: OpenAI,
  file: ChunkFile,
): Promise<{ uploadS: number; downloadS: number }> {
  const started = performance.now();
  const uploaded = await client.files.create({
    file: await toFile(await openAsBlob(file.path), 'floor.jsonl'),
    purpose: 'batch',
  });
  const uploadS = secondsSince(started);
  const downloadStarted = performance.now();
  await drain((await client.files.content(uploaded.id)).body);
  return { uploadS, downloadS: secondsSince(downloadStarted) };
}

const TRANSFERS: Record<Provider, Transfer> = {
  // The Gemini API's resumable upload in one request (start, then `upload, finalize`). An uploaded file cannot be
  // downloaded (only generated ones can): no download is counted.
  gemini: {
    envelopeBytes: 0,
    move: async (stack, file) => {
      const root = `${stack.emulator.url}/gemini`;
      const key = { 'x-goog-api-key': 'bench' };
      const started = performance.now();
      const start = await checked(
        await fetch(`${root}/upload/v1beta/files`, {
          method: 'POST',
          headers: { ...key, 'x-goog-upload-protocol': 'resumable', 'x-goog-upload-command': 'start' },
          body: JSON.stringify({ file: { mimeType: 'application/jsonl' } }),
        }),
      );
      const url = start.headers.get('x-goog-upload-url');
      if (!url) throw new Error('gemini: no upload URL');
      await checked(
        await fetch(url, {
          method: 'POST',
          headers: { ...key, 'x-goog-upload-command': 'upload, finalize', 'x-goog-upload-offset': '0' },
          body: await openAsBlob(file.path),
        }),
      );
      return { uploadS: secondsSince(started), downloadS: 0 };
    },
  },

  openai: {
    envelopeBytes: 0,
    move: (stack, file) =>
      filesRoundTrip(new OpenAI({ apiKey: 'bench', baseURL: stack.emulator.openaiBaseUrl }), file),
  },

  // OpenAI's Files API at Azure's v1 path, the key in `api-key`.
  azure: {
    envelopeBytes: 0,
    move: (stack, file) =>
      filesRoundTrip(
        new OpenAI({
          apiKey: 'bench',
          baseURL: `${stack.emulator.url}/azure/openai/v1`,
          defaultHeaders: { 'api-key': 'bench', Authorization: null },
        }),
        file,
      ),
  },

  // OpenAI's Files API at Groq's path, one POST per file (Groq has no Uploads API).
  groq: {
    envelopeBytes: 0,
    move: (stack, file) =>
      filesRoundTrip(new OpenAI({ apiKey: 'bench', baseURL: `${stack.emulator.url}/groq/openai/v1` }), file),
  },

  // Together's upload: `POST /files` redirects to a signed URL, the file goes there in a streamed PUT.
  together: {
    envelopeBytes: 0,
    move: async (stack, file) => {
      const root = `${stack.emulator.url}/together/v1`;
      const auth = { authorization: 'Bearer bench' };
      const fields = new URLSearchParams({
        file_name: 'floor.jsonl',
        file_type: 'jsonl',
        purpose: 'batch-api',
      });
      const started = performance.now();
      const start = await fetch(`${root}/files?${fields}`, {
        method: 'POST',
        headers: auth,
        redirect: 'manual',
      });
      const signed = start.headers.get('location');
      const id = start.headers.get('x-together-file-id');
      if (start.status !== 302 || !signed || !id)
        throw new Error(`together: upload answered ${start.status}`);
      await checked(await fetch(signed, { method: 'PUT', body: await openAsBlob(file.path) }));
      const uploadS = secondsSince(started);
      const downloadStarted = performance.now();
      await drain((await checked(await fetch(`${root}/files/${id}/content`, { headers: auth }))).body);
      return { uploadS, downloadS: secondsSince(downloadStarted) };
    },
  },

  mistral: {
    envelopeBytes: 0,
    move: async (stack, file) => {
      const root = `${stack.emulator.url}/mistral/v1`;
      const auth = { authorization: 'Bearer bench' };
      const form = new FormData();
      form.set('purpose', 'batch');
      form.set('file', await openAsBlob(file.path), 'floor.jsonl');
      const started = performance.now();
      const uploaded = await checked(
        await fetch(`${root}/files`, { method: 'POST', headers: auth, body: form }),
      );
      const { id } = (await uploaded.json()) as { id: string };
      const uploadS = secondsSince(started);
      const downloadStarted = performance.now();
      await drain((await checked(await fetch(`${root}/files/${id}/content`, { headers: auth }))).body);
      return { uploadS, downloadS: secondsSince(downloadStarted) };
    },
  },

  // Its cap is on the create body: the lines plus the `{"requests":[...]}` around them.
  anthropic: {
    envelopeBytes: 64,
    move: async (stack, file) => {
      const root = `${stack.emulator.url}/anthropic/v1/messages/batches`;
      const headers = {
        'x-api-key': 'bench',
        'anthropic-version': '2023-06-01',
        'content-type': 'application/json',
      };
      const started = performance.now();
      const created = await checked(
        await fetch(root, { method: 'POST', headers, body: inlineRequestsBody(file.path), duplex: 'half' }),
      );
      const { id } = (await created.json()) as { id: string };
      const uploadS = secondsSince(started);
      let batch: { processing_status: string; results_url: string | null };
      do {
        await new Promise((resolve) => setTimeout(resolve, 50));
        batch = (await (await checked(await fetch(`${root}/${id}`, { headers }))).json()) as typeof batch;
      } while (batch.processing_status !== 'ended');
      const downloadStarted = performance.now();
      await drain((await checked(await fetch(`${root}/${id}/results`, { headers }))).body);
      return { uploadS, downloadS: secondsSince(downloadStarted) };
    },
  },

  vertex: {
    envelopeBytes: 0,
    move: async (stack, file) => {
      const storage = await createStorage({
        project: 'tranche-test',
        location: 'us-central1',
        gcsApiEndpoint: `${stack.emulator.url}/gcs`,
        retry: { attempts: 1, initialDelayMs: 1000, maxDelayMs: 1000 },
        timeoutMs: 600_000,
      });
      const bucket = storage.bucket(stack.env.VERTEX_GCS_BUCKET ?? 'tranche-test');
      const name = `floor/${file.path.split('/').pop()}`;
      // As the worker sends it (VertexAdapter's default upload chunk).
      const chunkSize = 8 * 1024 * 1024;
      const started = performance.now();
      await bucket.upload(file.path, {
        destination: name,
        resumable: true,
        validation: 'crc32c',
        contentType: 'application/jsonl',
        ...(file.bytes > chunkSize ? { chunkSize } : {}),
      });
      const uploadS = secondsSince(started);
      const downloadStarted = performance.now();
      await drain(bucket.file(name).createReadStream());
      const downloadS = secondsSince(downloadStarted);
      await bucket.file(name).delete({ ignoreNotFound: true });
      return { uploadS, downloadS };
    },
  },

  // S3 through the AWS SDK as the worker uses it: lib-storage's Upload (8 MiB parts, 4 at a time), then a GetObject
  // read line by line, as results are read.
  bedrock: {
    envelopeBytes: 0,
    move: async (stack, file) => {
      const env = bedrockEmulatorEnv(stack.emulator.url);
      const { s3 } = await createBedrockClients({
        region: env.AWS_REGION!,
        roleArn: env.BEDROCK_ROLE_ARN!,
        bucket: env.BEDROCK_S3_BUCKET!,
        s3Endpoint: env.AWS_ENDPOINT_URL_S3,
        forcePathStyle: true,
        credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
        maxAttempts: 1,
      });
      const target = { bucket: env.BEDROCK_S3_BUCKET!, key: `floor/${file.path.split('/').pop()}` };
      const started = performance.now();
      await uploadFile(
        s3,
        { ...target, path: file.path, bytes: file.bytes, metadata: {} },
        { partBytes: 8 * 1024 * 1024, queueSize: 4 },
      );
      const uploadS = secondsSince(started);
      const downloadStarted = performance.now();
      for await (const _line of objectLines(s3, target, 1)) {
        // Each line is dropped: only the transfer is timed.
      }
      const downloadS = secondsSince(downloadStarted);
      await deleteKeys(s3, target.bucket, [target.key]);
      return { uploadS, downloadS };
    },
  },
};

/** `{"requests":[line,line,...]}` streamed from the JSONL file, one line after the other. */
function inlineRequestsBody(path: string): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  async function* pieces() {
    yield encoder.encode('{"requests":[');
    let first = true;
    let rest = '';
    for await (const part of createReadStream(path, { encoding: 'utf8', highWaterMark: 1024 * 1024 })) {
      const text = rest + (part as string);
      const end = text.lastIndexOf('\n');
      if (end < 0) {
        rest = text;
        continue;
      }
      rest = text.slice(end + 1);
      const lines = text.slice(0, end).split('\n').join(',');
      yield encoder.encode(first ? lines : `,${lines}`);
      first = false;
    }
    if (rest) yield encoder.encode(first ? rest : `,${rest}`);
    yield encoder.encode(']}');
  }
  return ReadableStream.from(pieces());
}

async function checked(response: Response): Promise<Response> {
  if (!response.ok)
    throw new Error(`floor: ${response.url} answered ${response.status}: ${await response.text()}`);
  return response;
}

async function drain(body: AsyncIterable<unknown> | null | undefined): Promise<void> {
  for await (const _part of body ?? []) {
    // read and dropped
  }
}
