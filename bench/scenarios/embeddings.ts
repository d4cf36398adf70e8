/**
 * `pnpm bench embeddings [--workers N|1,2] [--provider openai|mistral|vertex] [--inputs N] [--bytes N]
 * [--dimensions N]`: 100,000 texts of ~1 KB embedded at 1,536 dimensions end to end; the results read back raw (MB/s
 * as the API serves them) and through @tranche/client (parsed, vectors per second); each process's peak memory; and
 * what a vector takes in Postgres, against the jsonb array Tranche stored before migration 0009.
 *
 * The floor, from the same run: the inputs' own floor (COPY, and the request files through the provider's API, see
 * bench/floor.ts), plus downloading the provider's result files once (OpenAI, through its SDK) and COPYing the
 * vectors into Postgres once as bytea.
 */
import { TrancheClient } from '@tranche/client';
import { copyRows } from '@tranche/db';
import OpenAI from 'openai';
import { measureFloor } from '../floor';
import {
  type BenchOptions,
  chatInputs,
  documentText,
  numberFlag,
  type Provider,
  printFigures,
  processPeaks,
  round,
  secondsSince,
  startBenchStack,
  submitAndWait,
} from '../harness';

/** An embedding model of each provider that gives 1,536 dimensions (its own size, or asked for). */
const MODELS: Partial<Record<Provider, string>> = {
  openai: 'text-embedding-3-small',
  mistral: 'codestral-embed',
  vertex: 'gemini-embedding-001',
};

const TARGET =
  'results read back >= 100 MB/s; every process peak RSS <= 300 MB; storage ~4 bytes per dimension';

export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const model = MODELS[opts.provider];
  if (!model) throw new Error(`${opts.provider} has no embedding batch API`);
  const count = numberFlag(opts, '--inputs', 100_000);
  const bytes = numberFlag(opts, '--bytes', 1024);
  const dimensions = numberFlag(opts, '--dimensions', 1536);
  // BENCH_NODE_OPTIONS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) goes to the API and the workers, for profiles.
  const nodeOptions = process.env.BENCH_NODE_OPTIONS;
  const stack = await startBenchStack({
    name: 'embeddings',
    workers: opts.workers,
    provider: opts.provider,
    env: nodeOptions ? { NODE_OPTIONS: nodeOptions } : {},
  });
  try {
    const header = {
      provider: opts.provider,
      model,
      kind: 'embedding',
      defaults: { params: { dimensions } },
      metadata: { project: 'bench', owner: 'bench' },
    };
    const texts = {
      count,
      *[Symbol.iterator]() {
        for (let i = 0; i < count; i++) yield { id: `doc-${i}`, text: documentText(i, bytes) };
      },
    };
    const toastBefore = await toastBytes(stack.sql);
    const job = await submitAndWait(stack, header, texts, { body: opts.body });
    const storage = await storageFigures(stack.sql, job.job_id, toastBefore);
    const parsed = await readParsed(stack.apiUrl, job.job_id);
    const peaks = processPeaks(stack);
    const inputsFloor = await measureFloor(stack, opts.provider, chatInputs(count, bytes));
    const resultsFloor = await measureResultsFloor(stack, opts.provider, job.job_id, count, dimensions);
    // The result files' download is measured on OpenAI only: elsewhere the floor leaves it out (a lower floor).
    const downloaded = Number.isFinite(resultsFloor.downloadS);
    const floorS = inputsFloor.totalS + (downloaded ? resultsFloor.downloadS : 0) + resultsFloor.copyS;
    const { job_id: _jobId, ...figures } = job;
    const line = {
      scenario: 'embeddings',
      provider: opts.provider,
      model,
      dimensions,
      workers: opts.workers,
      bytes_per_input: bytes,
      ...figures,
      inputs_per_s: Math.round(count / job.end_to_end_s),
      vectors_per_s_raw_read: Math.round(job.results_lines / job.results_read_s),
      client_read_s: round(parsed.seconds),
      client_vectors_per_s: Math.round(parsed.vectors / parsed.seconds),
      client_mb_per_s: round(job.results_mb / parsed.seconds, 1),
      ...storage,
      floor_s: round(floorS),
      floor_inputs_s: round(inputsFloor.totalS),
      floor_results_download_s: downloaded ? round(resultsFloor.downloadS) : null,
      floor_results_mb: round(resultsFloor.bytes / 1024 / 1024, 1),
      floor_vectors_copy_s: round(resultsFloor.copyS),
      vs_floor: round(job.end_to_end_s / floorS),
      ...peaks,
      target: TARGET,
    };
    printFigures(line);
    return line;
  } finally {
    await stack.stop();
  }
}

type Sql = Awaited<ReturnType<typeof startBenchStack>>['sql'];

/** Bytes of the results table's TOAST relation, where vectors over ~2 KB live. */
async function toastBytes(sql: Sql): Promise<number> {
  const [row] = await sql<{ bytes: string }[]>`
    select pg_total_relation_size(reltoastrelid)::text as bytes from pg_class where relname = 'results'`;
  return Number(row?.bytes ?? 0);
}

/**
 * What a stored vector takes: its datum (`pg_column_size`), the TOAST relation's growth per vector (chunk headers
 * and page slack included), and for a sample of the same vectors what the jsonb arrays stored before 0009 took:
 * their values as 17-digit doubles (how the emulator's floats came through) and as float32 shortest text (how a
 * provider's decimal answer looks), each stored in a table so TOAST compression applies as it did.
 */
async function storageFigures(sql: Sql, jobId: string, toastBefore: number) {
  const [stored] = await sql<{ vectors: number; datum: number; row_output: number | null }[]>`
    select count(embedding)::int as vectors, avg(pg_column_size(embedding))::float8 as datum,
           avg(pg_column_size(output))::float8 as row_output
    from results where job_id = ${jobId}`;
  const toastGrowth = (await toastBytes(sql)) - toastBefore;
  const sample = await sql<{ embedding: Buffer }[]>`
    select embedding from results where job_id = ${jobId} and embedding is not null limit 200`;
  const vectors = sample.map((row) => {
    const copy = new Uint8Array(row.embedding);
    return Array.from(new Float32Array(copy.buffer));
  });
  await sql`create temporary table if not exists before_0009 (form text, output jsonb)`;
  await sql`truncate before_0009`;
  for (const vector of vectors) {
    await sql`insert into before_0009 values ('doubles', ${JSON.stringify({ embedding: vector })}::jsonb)`;
    const shortest = `{"embedding":[${vector.map((x) => Number(x.toPrecision(9))).join(',')}]}`;
    await sql`insert into before_0009 values ('float32_text', ${shortest}::jsonb)`;
  }
  const before = await sql<{ form: string; bytes: number }[]>`
    select form, avg(pg_column_size(output))::float8 as bytes from before_0009 group by form`;
  const jsonb = Object.fromEntries(before.map((row) => [row.form, Math.round(row.bytes)]));
  await sql`drop table before_0009`;
  const vectorCount = stored?.vectors ?? 0;
  return {
    stored_vectors: vectorCount,
    storage_bytes_per_vector: Math.round(stored?.datum ?? Number.NaN),
    storage_toast_bytes_per_vector: vectorCount > 0 ? Math.round(toastGrowth / vectorCount) : Number.NaN,
    storage_output_jsonb_bytes: stored?.row_output ?? null,
    before_0009_jsonb_bytes_per_vector_doubles: jsonb.doubles ?? null,
    before_0009_jsonb_bytes_per_vector_float32_text: jsonb.float32_text ?? null,
  };
}

/** The results read through @tranche/client, each line parsed: what a caller's loop gets. */
async function readParsed(apiUrl: string, jobId: string): Promise<{ seconds: number; vectors: number }> {
  const client = new TrancheClient({ url: apiUrl });
  const started = performance.now();
  let vectors = 0;
  for await (const line of client.results(jobId)) {
    if ((line.output as { embedding?: number[] } | null)?.embedding) vectors += 1;
  }
  return { seconds: secondsSince(started), vectors };
}

/**
 * The provider's result files downloaded once through its SDK (OpenAI; NaN elsewhere), and the vectors COPYed once
 * into a bytea column: what any service must spend to take the answers in.
 */
async function measureResultsFloor(
  stack: Awaited<ReturnType<typeof startBenchStack>>,
  provider: Provider,
  jobId: string,
  count: number,
  dimensions: number,
): Promise<{ downloadS: number; bytes: number; copyS: number }> {
  let downloadS = Number.NaN;
  let bytes = 0;
  if (provider === 'openai') {
    const files = await stack.sql<{ output_file_id: string }[]>`
      select output_file_id from provider_batches where job_id = ${jobId} and output_file_id is not null`;
    const client = new OpenAI({ apiKey: 'bench', baseURL: stack.emulator.openaiBaseUrl });
    const started = performance.now();
    for (const file of files) {
      for await (const part of (await client.files.content(file.output_file_id)).body ?? []) {
        bytes += (part as Uint8Array).byteLength;
      }
    }
    downloadS = secondsSince(started);
  }
  await stack.sql`drop table if exists floor_vectors`;
  await stack.sql`create table floor_vectors (id text, embedding bytea)`;
  await stack.sql`alter table floor_vectors alter column embedding set storage external`;
  const vector = Buffer.alloc(dimensions * 4);
  for (let i = 0; i < dimensions; i++) vector.writeFloatLE(Math.sin(i) / 40, i * 4);
  const hex = `\\x${vector.toString('hex')}`;
  function* rows(): Generator<[string, string]> {
    for (let i = 0; i < count; i++) yield [`doc-${i}`, hex];
  }
  const started = performance.now();
  await copyRows(stack.sql, 'floor_vectors', ['id', 'embedding'], rows());
  const copyS = secondsSince(started);
  await stack.sql`drop table floor_vectors`;
  return { downloadS, bytes, copyS };
}
