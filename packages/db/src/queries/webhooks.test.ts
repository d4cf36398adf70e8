import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Database } from '../client';
import { createTestDatabase, type TestDatabase } from '../testing';
import { getDelivery, renderOnce, rotateWebhookSecret, webhookSecretSalts } from './webhooks';

let testDb: TestDatabase;
let db: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = connect(testDb.url, { max: 10 });
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

describe('webhook secrets', () => {
  it('has no salts for a project that never had a secret', async () => {
    expect(await webhookSecretSalts(db.sql, 'never')).toBeNull();
  });

  it('gives a project its first salt, then moves it to previous_salt on each rotation', async () => {
    const first = await rotateWebhookSecret(db.sql, 'acme', 'salt-1');
    expect(first).toEqual({ project: 'acme', rotated_at: expect.any(Date) });
    expect(await webhookSecretSalts(db.sql, 'acme')).toEqual({
      salt: 'salt-1',
      previous_salt: null,
      rotated_at: first.rotated_at,
    });

    await db.sql`update webhook_secrets set rotated_at = now() - interval '2 days' where project = 'acme'`;
    const longAgo = (await webhookSecretSalts(db.sql, 'acme'))!.rotated_at;
    const second = await rotateWebhookSecret(db.sql, 'acme', 'salt-2');
    const salts = await webhookSecretSalts(db.sql, 'acme');
    expect(salts).toEqual({ salt: 'salt-2', previous_salt: 'salt-1', rotated_at: second.rotated_at });
    expect(second.rotated_at.getTime()).toBeGreaterThan(longAgo.getTime());

    await rotateWebhookSecret(db.sql, 'acme', 'salt-3');
    expect(await webhookSecretSalts(db.sql, 'acme')).toMatchObject({
      salt: 'salt-3',
      previous_salt: 'salt-2',
    });
    expect(await webhookSecretSalts(db.sql, 'other')).toBeNull();
  });
});

describe('renderOnce', () => {
  it('keeps the first rendering of a delivery: later ones, racing or not, get the stored row', async () => {
    const delivery = {
      id: 'job:render-once',
      event: 'job.finished',
      project: 'acme',
      url: 'https://hooks.example.com/first',
      body: '{"n":0}',
    };
    const renderings = await Promise.all(
      Array.from({ length: 10 }, (_, n) => renderOnce(db.sql, { ...delivery, body: `{"n":${n}}` })),
    );
    const [stored] = renderings;
    expect(new Set(renderings.map((r) => r.body)).size).toBe(1);
    expect(renderings.every((r) => r.body === stored!.body && r.url === stored!.url)).toBe(true);

    const later = await renderOnce(db.sql, {
      ...delivery,
      url: 'https://evil.example.com/',
      body: '{"n":99}',
    });
    expect(later).toEqual(stored);
    expect(await getDelivery(db.sql, delivery.id)).toEqual(stored);
    expect(stored).toMatchObject({ id: 'job:render-once', event: 'job.finished', project: 'acme' });
    expect(stored!.created_at).toBeInstanceOf(Date);
  });

  it('stores an alert without a project, and finds nothing under an id never rendered', async () => {
    const alert = await renderOnce(db.sql, {
      id: 'alert:1',
      event: 'alert',
      project: null,
      url: 'https://ops.example.com/alerts',
      body: '{}',
    });
    expect(alert).toMatchObject({ id: 'alert:1', project: null });
    expect(await getDelivery(db.sql, 'alert:2')).toBeNull();
  });
});
