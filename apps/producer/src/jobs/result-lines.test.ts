import { randomUUID } from 'node:crypto';
import { connect, copyRows, type Database } from '@tranche/db';
import { createTestDatabase, type TestDatabase } from '@tranche/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobResults, jobResultsNdjson } from './result-lines';

/**
 * The two ways results are read, against a real Postgres: as objects (the in-process SDK) and as NDJSON text (the
 * HTTP API, which writes an embedding's vector straight from its stored bytes). Both must say the same.
 */
let database: TestDatabase;
let db: Database;

beforeAll(async () => {
  database = await createTestDatabase();
  // One connection: a cursor left open by a reader that stopped would leave nothing for the next query.
  db = connect(database.url, { max: 1 });
});
afterAll(async () => {
  await db?.close();
  await database?.drop();
});

const DIMENSIONS = 1536;

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** A float32 vector as stored: 4 little-endian bytes a value, in COPY's hex form. */
function storedVector(seed: number): { values: number[]; hex: string } {
  const bytes = Buffer.alloc(DIMENSIONS * 4);
  const values: number[] = [];
  for (let i = 0; i < DIMENSIONS; i++) {
    const value = Math.fround(Math.sin(seed * 7919 + i) / 30);
    bytes.writeFloatLE(value, i * 4);
    values.push(value);
  }
  return { values, hex: `\\x${bytes.toString('hex')}` };
}

/** An embedding job of `count` inputs, every one answered, plus the odd ones out of a real job. */
async function embeddingJob(count: number) {
  const id = randomUUID();
  await db.sql`
    insert into jobs (id, status, provider, model, kind, spec, project, owner, run_id, tags, max_attempts,
                      poll_interval_s, input_count, timeout_at)
    values (${id}, 'completed', 'openai', 'text-embedding-3-small', 'embedding', '{}', 'p', 'o', ${`run-${id}`},
            '{}', 3, 60, ${count + 1}, now() + interval '1 day')`;
  const customId = (i: number) => `${id}-${i}`;
  await copyRows(
    db.sql,
    'inputs',
    ['job_id', 'custom_id', 'seq', 'caller_id', 'request', 'request_bytes', 'state', 'attempts', 'aliases'],
    Array.from({ length: count }, (_, i) => [
      id,
      customId(i),
      i === 0 ? 0 : i + 1,
      `doc-${i}`,
      '{}',
      2,
      i === 2 ? 'pending' : 'succeeded',
      1,
      // The first input was sent twice: its duplicate at position 1 gets the same line.
      i === 0 ? JSON.stringify([{ seq: 1, id: 'doc-0-again' }]) : null,
    ]),
  );
  const vectors = Array.from({ length: count }, (_, i) => storedVector(i));
  await copyRows(
    db.sql,
    'results',
    [
      'custom_id',
      'job_id',
      'status',
      'output',
      'embedding',
      'input_tokens',
      'output_tokens',
      'error',
      'attempts',
    ],
    Array.from({ length: count }, (_, i) => i)
      .filter((i) => i !== 2)
      .map((i) => {
        if (i === 3) {
          const error = {
            type: 'invalid_request',
            code: null,
            message: 'too long "quoted"',
            retryable: false,
          };
          return [customId(i), id, 'failed', null, null, 10, 0, JSON.stringify(error), 1];
        }
        // One result keeps something beside its vector; one is an embedding stored whole in jsonb (before 0009).
        if (i === 4) return [customId(i), id, 'succeeded', '{"model":"m"}', vectors[i]!.hex, 10, 0, null, 1];
        if (i === 5) {
          const whole = JSON.stringify({ embedding: vectors[i]!.values.slice(0, 8) });
          return [customId(i), id, 'succeeded', whole, null, 10, 0, null, 1];
        }
        return [customId(i), id, 'succeeded', null, vectors[i]!.hex, 10, 0, null, 1];
      }),
  );
  return { id, vectors };
}

describe('result lines', () => {
  it('reads the same lines as objects and as NDJSON, vectors back as the float32 values stored', async () => {
    const { id, vectors } = await embeddingJob(600);
    const objects = await all(jobResults(db.sql, id, 'embedding'));
    const chunks = await all(jobResultsNdjson(db.sql, id, 'embedding'));
    expect(chunks.length).toBeGreaterThan(1);
    const text = chunks.map((chunk) => chunk.text).join('');
    expect(text.endsWith('\n')).toBe(true);
    const parsed = text
      .slice(0, -1)
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(parsed).toEqual(objects);
    expect(parsed).toHaveLength(601);

    expect(parsed[0]).toMatchObject({
      id: 'doc-0',
      status: 'succeeded',
      output: { embedding: vectors[0]!.values },
    });
    expect(parsed[1]).toMatchObject({ id: 'doc-0-again', output: { embedding: vectors[0]!.values } });
    expect(parsed[3]).toMatchObject({ id: 'doc-2', status: 'pending', output: null });
    expect(parsed[4]).toMatchObject({
      status: 'failed',
      output: null,
      error: { message: 'too long "quoted"' },
    });
    expect(parsed[5].output).toEqual({ model: 'm', embedding: vectors[4]!.values });
    expect(parsed[6].output).toEqual({ embedding: vectors[5]!.values.slice(0, 8) });
    expect(parsed[600].output.embedding).toHaveLength(DIMENSIONS);
  });

  it('lets go of its cursor when the reader stops early, with the next page already asked for', async () => {
    const { id } = await embeddingJob(1200);
    for await (const _chunk of jobResultsNdjson(db.sql, id, 'embedding')) break;
    // The pool's only connection is free again: this query would wait forever otherwise.
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from results where job_id = ${id}`;
    expect(row?.n).toBe(1199);
  });
});
