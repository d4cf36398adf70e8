import { createServer, type Server, type Socket } from 'node:net';
import { ProviderCallError, ProviderNotConfiguredError } from '@tranche/adapters';
import { connect } from '@tranche/db';
import { createTestDatabase } from '@tranche/db/testing';
import { Redis, ReplyError } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL } from './test-support';
import { isTransient } from './transient-errors';

const closers: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A local TCP port nothing listens on (taken, then given back). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A server that takes connections and never answers. */
async function silentServer(): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as { port: number }).port;
}

async function errorOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected the work to fail');
}

describe('isTransient', () => {
  it.each([
    ['a 503', 503, true],
    ['a 429', 429, true],
    ['a call with no answer (timeout, connection)', null, true],
  ])('waits out a provider call that failed with %s', (_, status, expected) => {
    expect(isTransient(new ProviderCallError('openai: no', status, true))).toBe(expected);
  });

  it.each([
    ['401', 401],
    ['403', 403],
    ['404', 404],
    ['400', 400],
  ])('does not treat a provider call refused with %s as transient', (_, status) => {
    expect(isTransient(new ProviderCallError(`openai ${status}: no`, status, false))).toBe(false);
  });

  it("keeps a provider's permanent verdict even when a network error caused it", () => {
    const error = new ProviderCallError('openai 401: no', 401, false);
    Object.assign(error, { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) });

    expect(isTransient(error)).toBe(false);
  });

  it('treats a missing provider key as not transient (the worker waits for another worker instead)', () => {
    expect(isTransient(new ProviderNotConfiguredError('mistral', 'MISTRAL_API_KEY'))).toBe(false);
  });

  it('waits out Postgres refusing connections', async () => {
    const db = connect(`postgres://postgres@127.0.0.1:${await closedPort()}/none`, { max: 1 });
    closers.push(() => db.close());

    const error = await errorOf(() => db.sql`select 1`);

    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect(isTransient(error)).toBe(true);
  });

  it('waits out a Postgres connection closing under a query (the server terminated it)', async () => {
    const database = await createTestDatabase();
    closers.push(() => database.drop());
    const db = connect(database.url, { max: 1 });
    closers.push(() => db.close());

    const closed = await errorOf(() => db.sql`select pg_terminate_backend(pg_backend_pid())`);

    expect(closed).toMatchObject({ code: 'CONNECTION_CLOSED' });
    expect(isTransient(closed)).toBe(true);
  });

  it.each([
    ['57P01', 'the server shutting down'],
    ['57P03', 'the server starting up or in recovery'],
    ['08006', 'a connection failure'],
    ['53300', 'too many connections'],
    ['40001', 'a serialization failure'],
    ['40P01', 'a deadlock'],
  ])('waits out the SQLSTATE %s (%s)', async (code) => {
    const database = await createTestDatabase();
    closers.push(() => database.drop());
    const db = connect(database.url, { max: 1 });
    closers.push(() => db.close());

    // Postgres itself raises the error with that SQLSTATE, as the driver then sees it.
    const error = await errorOf(() =>
      db.sql.unsafe(`do $$ begin raise exception 'injected' using errcode = '${code}'; end $$`),
    );

    expect(error).toMatchObject({ name: 'PostgresError', code });
    expect(isTransient(error)).toBe(true);
  });

  it('does not treat a Postgres error in the query itself as transient', async () => {
    const database = await createTestDatabase();
    closers.push(() => database.drop());
    const db = connect(database.url, { max: 1 });
    closers.push(() => db.close());

    const syntax = await errorOf(() => db.sql`selec 1`);
    const missing = await errorOf(() => db.sql`select * from no_such_table`);

    expect(syntax).toMatchObject({ name: 'PostgresError', code: '42601' });
    expect(isTransient(syntax)).toBe(false);
    expect(isTransient(missing)).toBe(false);
  });

  it('waits out Redis being unreachable', async () => {
    const port = await closedPort();
    const counted = new Redis(`redis://127.0.0.1:${port}`, {
      maxRetriesPerRequest: 0,
      retryStrategy: () => 50,
    });
    const closed = new Redis(`redis://127.0.0.1:${port}`, { retryStrategy: () => null });
    for (const redis of [counted, closed]) {
      redis.on('error', () => {});
      closers.push(() => redis.disconnect());
    }

    const outOfRetries = await errorOf(() => counted.ping());
    const connectionClosed = await errorOf(() => closed.ping());

    expect(outOfRetries).toMatchObject({ name: 'MaxRetriesPerRequestError' });
    expect(isTransient(outOfRetries)).toBe(true);
    expect(connectionClosed).toMatchObject({ message: 'Connection is closed.' });
    expect(isTransient(connectionClosed)).toBe(true);
  });

  it('waits out a Redis that cannot serve yet, but not a command Redis refuses', async () => {
    const redis = new Redis(TEST_REDIS_URL);
    closers.push(() => redis.disconnect());

    const refused = await errorOf(() => redis.call('NO_SUCH_COMMAND'));

    expect(refused).toBeInstanceOf(ReplyError);
    expect(isTransient(refused)).toBe(false);
    // The replies of a Redis loading its dump or of a replica mid-failover, as ioredis raises them.
    expect(isTransient(new ReplyError('LOADING Redis is loading the dataset in memory'))).toBe(true);
    expect(isTransient(new ReplyError("READONLY You can't write against a read only replica."))).toBe(true);
  });

  it('waits out a network error wrapped in a fetch error, and a request that timed out', async () => {
    const nobody = await closedPort();
    const refused = await errorOf(() => fetch(`http://127.0.0.1:${nobody}/`));
    const port = await silentServer();
    const timedOut = await errorOf(() =>
      fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(50) }),
    );

    expect(refused).toMatchObject({ name: 'TypeError', cause: { code: 'ECONNREFUSED' } });
    expect(isTransient(refused)).toBe(true);
    expect(timedOut).toMatchObject({ name: 'TimeoutError' });
    expect(isTransient(timedOut)).toBe(true);
  });

  it('leaves errors it does not know to the queue', () => {
    const parse = (() => {
      try {
        JSON.parse('{not json');
      } catch (error) {
        return error;
      }
    })();

    expect(isTransient(parse)).toBe(false);
    expect(isTransient(new Error('something else'))).toBe(false);
    expect(isTransient(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
    expect(isTransient('a string')).toBe(false);
    expect(isTransient(null)).toBe(false);
  });
});
