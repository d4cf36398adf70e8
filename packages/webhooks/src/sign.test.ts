import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { deriveProjectSecret, newSalt } from './project-secret';
import { standardHeaders } from './sign';

const MASTER = 'master-key-for-tests-0123456789abcdef';
const secret = deriveProjectSecret(MASTER, 'acme', newSalt());
const body = JSON.stringify({ type: 'job.finished', job: { id: 'j1', status: 'completed' } });

describe('standardHeaders', () => {
  it("makes a signature standardwebhooks' own verify accepts", () => {
    const now = new Date();
    const headers = standardHeaders({ id: 'job:j1', body, secrets: [secret], now });

    expect(headers['webhook-id']).toBe('job:j1');
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(now.getTime() / 1000)));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('refuses, as a receiver does, a changed body, a timestamp older than 5 minutes and another project', () => {
    const headers = standardHeaders({ id: 'job:j1', body, secrets: [secret], now: new Date() });
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow(WebhookVerificationError);

    const stale = standardHeaders({
      id: 'job:j1',
      body,
      secrets: [secret],
      now: new Date(Date.now() - 6 * 60 * 1000),
    });
    expect(() => new Webhook(secret).verify(body, stale)).toThrow('Message timestamp too old');

    const otherProject = deriveProjectSecret(MASTER, 'other', newSalt());
    expect(() => new Webhook(otherProject).verify(body, headers)).toThrow('No matching signature found');
  });

  it('signs once per secret, space-separated, and a receiver with either secret accepts', () => {
    const previous = deriveProjectSecret(MASTER, 'acme', newSalt());
    const headers = standardHeaders({ id: 'job:j1', body, secrets: [secret, previous], now: new Date() });

    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(headers['webhook-signature'].split(' ').every((s) => s.startsWith('v1,'))).toBe(true);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('stamps each attempt with its own time under the same id, so a retry is not refused as stale', () => {
    const first = new Date(Date.now() - 60 * 60 * 1000);
    const retry = new Date();
    const tried = standardHeaders({ id: 'job:j1', body, secrets: [secret], now: first });
    const retried = standardHeaders({ id: 'job:j1', body, secrets: [secret], now: retry });

    expect(retried['webhook-id']).toBe(tried['webhook-id']);
    expect(retried['webhook-timestamp']).not.toBe(tried['webhook-timestamp']);
    expect(() => new Webhook(secret).verify(body, tried)).toThrow('Message timestamp too old');
    expect(new Webhook(secret).verify(body, retried)).toEqual(JSON.parse(body));
  });

  it('will not send a message unsigned', () => {
    expect(() => standardHeaders({ id: 'job:j1', body, secrets: [], now: new Date() })).toThrow(
      'at least one secret',
    );
  });
});
