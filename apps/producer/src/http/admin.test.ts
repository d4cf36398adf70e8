import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { connect, type Database, insertApiKey } from '@tranche/db';
import { createTestDatabase, type TestDatabase } from '@tranche/db/testing';
import { createQueues, jobIds, redisConnection, type TrancheQueues } from '@tranche/queues';
import express from 'express';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newApiKey } from '../auth/api-key';
import { Authenticator } from '../auth/authenticator';
import { BULL_BOARD_PATH, bullBoardRouter } from './admin';

/** The Bull Board behind admin keys, over real queues in Redis and keys in a real Postgres. */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CHALLENGE = 'Basic realm="tranche bull board", charset="UTF-8"';

let database: TestDatabase;
let db: Database;
let redis: Redis;
let queues: TrancheQueues;
let prefix: string;
const servers: Server[] = [];
let readOnlyUrl: string;
let writableUrl: string;
const adminKey = newApiKey().key;
const memberKey = newApiKey();

async function serve(auth: Authenticator, writable: boolean, host = '127.0.0.1'): Promise<number> {
  const app = express().use(BULL_BOARD_PATH, bullBoardRouter(queues, { auth, writable }));
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, host, () => resolve(s));
  });
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = connect(database.url, { max: 2 });
  await insertApiKey(db.sql, {
    id: randomUUID(),
    name: 'a member',
    prefix: memberKey.prefix,
    keySha256: memberKey.keySha256,
    role: 'member',
    projects: ['alpha'],
  });
  prefix = `test-board-${randomBytes(4).toString('hex')}`;
  redis = redisConnection(REDIS_URL);
  queues = createQueues(redis, prefix);
  const auth = new Authenticator(db.sql, [adminKey]);
  readOnlyUrl = `http://127.0.0.1:${await serve(auth, false)}${BULL_BOARD_PATH}`;
  writableUrl = `http://127.0.0.1:${await serve(auth, true)}${BULL_BOARD_PATH}`;
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await queues?.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis?.disconnect();
  await db?.close();
  await database?.drop();
});

const basic = (password: string, user = 'anyone') =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const bearer = (key: string) => `Bearer ${key}`;

function get(url: string, authorization?: string): Promise<Response> {
  return fetch(url, { headers: authorization ? { authorization } : {} });
}

/** Promotes every delayed job of the poll queue, through the board's own API. */
function promotePoll(base: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${base}/api/queues/poll/promote`, { method: 'PUT', headers });
}

const DELAYED = 'batch-delayed';

beforeEach(async () => {
  await queues.poll.obliterate({ force: true });
  await queues.enqueuePoll(DELAYED, 3_600_000);
  expect(await queues.poll.getJobState(jobIds.poll(DELAYED))).toBe('delayed');
});

describe('the Bull Board', () => {
  it('asks for a key, with a Basic challenge a browser answers with its login prompt', async () => {
    for (const path of ['', '/', '/api/queues', '/static/images/logo.svg', '/queue/poll']) {
      const response = await get(`${readOnlyUrl}${path}`);
      expect(response.status, path).toBe(401);
      expect(response.headers.get('www-authenticate'), path).toBe(CHALLENGE);
    }
  });

  it('refuses a member key, an unknown key and an empty password the same way', async () => {
    for (const authorization of [
      basic(memberKey.key),
      bearer(memberKey.key),
      basic(newApiKey().key),
      bearer(`${adminKey}x`),
      basic(''),
      'Bearer ',
      adminKey,
    ]) {
      const response = await get(`${readOnlyUrl}/api/queues`, authorization);
      expect(response.status, authorization).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(CHALLENGE);
    }
  });

  it('serves an admin key given as the Basic password (any user name) or as a Bearer token', async () => {
    for (const authorization of [basic(adminKey), basic(adminKey, ''), bearer(adminKey)]) {
      const page = await get(`${readOnlyUrl}/`, authorization);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(await page.text()).toContain(`${BULL_BOARD_PATH}/`);

      const logo = await get(`${readOnlyUrl}/static/images/logo.svg`, authorization);
      expect(logo.status).toBe(200);

      const api = await get(`${readOnlyUrl}/api/queues`, authorization);
      expect(api.status).toBe(200);
      const body = (await api.json()) as { queues: Array<{ name: string; readOnlyMode: boolean }> };
      expect(body.queues.map((q) => q.name).sort()).toEqual([
        'fetch',
        'notify',
        'poll',
        'submit',
        'submit-batch',
        'sweep',
      ]);
      expect(body.queues.every((q) => q.readOnlyMode)).toBe(true);
    }
  });

  it('read-only: refuses a write with 405 and leaves the queue as it was', async () => {
    for (const method of ['PUT', 'POST', 'PATCH', 'DELETE']) {
      const response = await fetch(`${readOnlyUrl}/api/queues/poll/promote`, {
        method,
        headers: { authorization: basic(adminKey) },
      });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD');
    }
    const add = await fetch(`${readOnlyUrl}/api/queues/poll/add`, {
      method: 'POST',
      headers: { authorization: bearer(adminKey), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'poll-batch', data: { batchId: 'intruder' }, options: {} }),
    });
    expect(add.status).toBe(405);
    // Bull Board itself answers this one 200 in readOnlyMode (it skips read-only queues): refused here all the same.
    const pauseAll = await fetch(`${readOnlyUrl}/api/queues/pause`, {
      method: 'PUT',
      headers: { authorization: bearer(adminKey) },
    });
    expect(pauseAll.status).toBe(405);
    expect(await queues.poll.isPaused()).toBe(false);

    expect(await queues.poll.getJobState(jobIds.poll(DELAYED))).toBe('delayed');
    expect(await queues.poll.count()).toBe(1);
  });

  it('read-only: a write without a key is a 401, not a 405 that would tell the board is there', async () => {
    const response = await promotePoll(readOnlyUrl, {});
    expect(response.status).toBe(401);
  });

  it('writable: an admin key promotes the delayed job; a member key may not', async () => {
    expect((await promotePoll(writableUrl, { authorization: bearer(memberKey.key) })).status).toBe(401);
    expect(await queues.poll.getJobState(jobIds.poll(DELAYED))).toBe('delayed');

    const response = await promotePoll(writableUrl, { authorization: basic(adminKey) });
    expect(response.status).toBe(200);
    expect(await queues.poll.getJobState(jobIds.poll(DELAYED))).toBe('waiting');

    const queuesNow = (await (await get(`${writableUrl}/api/queues`, bearer(adminKey))).json()) as {
      queues: Array<{ readOnlyMode: boolean }>;
    };
    expect(queuesNow.queues.some((q) => q.readOnlyMode)).toBe(false);
  });

  it("writable: refuses a write a browser marks as coming from another site's page", async () => {
    const headers = { authorization: basic(adminKey), 'sec-fetch-site': 'cross-site' };
    expect((await promotePoll(writableUrl, headers)).status).toBe(403);
    expect(await queues.poll.getJobState(jobIds.poll(DELAYED))).toBe('delayed');

    const sameOrigin = { authorization: basic(adminKey), 'sec-fetch-site': 'same-origin' };
    expect((await promotePoll(writableUrl, sameOrigin)).status).toBe(200);
    expect(await queues.poll.getJobState(jobIds.poll(DELAYED))).toBe('waiting');
  });
});

describe('the Bull Board in open mode (no admin key configured)', () => {
  const otherAddress = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

  it('serves the operator on loopback with no key, and still refuses a member key', async () => {
    const port = await serve(new Authenticator(db.sql, []), false);
    const url = `http://127.0.0.1:${port}${BULL_BOARD_PATH}`;
    expect((await get(`${url}/api/queues`)).status).toBe(200);
    expect((await get(`${url}/`)).status).toBe(200);
    expect((await get(`${url}/api/queues`, bearer(memberKey.key))).status).toBe(401);
    expect((await promotePoll(url, {})).status).toBe(405);
  });

  it.skipIf(!otherAddress)('refuses a request with no key that does not come from loopback', async () => {
    const port = await serve(new Authenticator(db.sql, []), false, '0.0.0.0');
    for (const authorization of [undefined, basic(''), 'Bearer ']) {
      const response = await get(
        `http://${otherAddress}:${port}${BULL_BOARD_PATH}/api/queues`,
        authorization,
      );
      expect(response.status).toBe(401);
    }
    expect((await get(`http://127.0.0.1:${port}${BULL_BOARD_PATH}/api/queues`)).status).toBe(200);
  });
});
