import { describe, expect, it } from 'vitest';
import { FaultRegistry } from './faults';

const call = (method: string, ...paths: string[]) => ({ provider: 'openai', method, paths });

describe('FaultRegistry', () => {
  it('matches http faults by provider, method and path prefix, counting down times', () => {
    const faults = new FaultRegistry(1);
    faults.merge({ http: [{ provider: 'openai', method: 'post', path: '/batches', status: 429, times: 2 }] });
    expect(faults.takeHttp(call('GET', '/batches'))).toBeNull();
    expect(faults.takeHttp({ ...call('POST', '/batches'), provider: 'anthropic' })).toBeNull();
    expect(faults.takeHttp(call('POST', '/batches/x/cancel'))?.status).toBe(429);
    expect(faults.takeHttp(call('POST', '/batches'))?.status).toBe(429);
    expect(faults.takeHttp(call('POST', '/batches'))).toBeNull();
  });

  it('fires an http fault with a rate on that share of matching calls, counting down times on hits only', () => {
    const faults = new FaultRegistry(1);
    faults.merge({ http: [{ provider: 'openai', status: 503, rate: 0.1 }] });
    const hits = Array.from({ length: 2000 }, () => faults.takeHttp(call('GET', '/batches/b'))).filter(
      Boolean,
    );
    expect(hits.length).toBeGreaterThan(120);
    expect(hits.length).toBeLessThan(280);

    faults.clear();
    faults.merge({ http: [{ status: 429, rate: 0.1, times: 3 }] });
    let calls = 0;
    let fired = 0;
    while (fired < 3) {
      calls++;
      if (faults.takeHttp(call('POST', '/batches'))) fired++;
    }
    expect(calls).toBeGreaterThan(3);
    expect(faults.current().http).toEqual([]);
    expect(faults.takeHttp(call('POST', '/batches'))).toBeNull();
  });

  it('treats a path starting with ^ as a regex and omitted times as forever', () => {
    const faults = new FaultRegistry(1);
    faults.merge({ delay: [{ path: '^/v1/files/[^/]+/content$', ms: 5 }] });
    expect(faults.takeDelay(call('GET', '/files/f/content', '/v1/files/f/content'))?.ms).toBe(5);
    expect(faults.takeDelay(call('GET', '/files/f', '/v1/files/f'))).toBeNull();
    expect(faults.takeDelay(call('GET', '/files/g/content', '/v1/files/g/content'))?.ms).toBe(5);
  });

  it('matches drop_response faults like the others, appending on merge and clearing with null', () => {
    const faults = new FaultRegistry(1);
    faults.merge({ drop_response: [{ provider: 'openai', method: 'POST', path: '^/batches$', times: 1 }] });
    faults.merge({ drop_response: [{ provider: 'mistral' }] });
    expect(faults.takeDropResponse(call('GET', '/batches'))).toBeNull();
    expect(faults.takeDropResponse(call('POST', '/batches/x/cancel'))).toBeNull();
    expect(faults.takeDropResponse(call('POST', '/batches'))).toMatchObject({ path: '^/batches$' });
    expect(faults.takeDropResponse(call('POST', '/batches'))).toBeNull();
    expect(faults.current().drop_response).toEqual([{ provider: 'mistral' }]);
    faults.merge({ drop_response: null });
    expect(faults.current().drop_response).toEqual([]);
    expect(() => faults.merge({ drop_response: [{ status: 500 }] })).toThrow();
  });

  it('appends arrays on merge, replaces objects, clears with null', () => {
    const faults = new FaultRegistry(1);
    faults.merge({ http: [{ status: 500 }], expire: { fraction_completed: 0.5 } });
    faults.merge({ http: [{ status: 502 }], expire: { fraction_completed: 0.2, times: 1 }, seed: 9 });
    expect(faults.current().http.map((f) => f.status)).toEqual([500, 502]);
    expect(faults.current().expire).toEqual({ fraction_completed: 0.2, times: 1 });
    expect(faults.seed()).toBe(9);
    faults.merge({ http: null, seed: null });
    expect(faults.current().http).toEqual([]);
    expect(faults.seed()).toBe(1);
    expect(() => faults.merge({ http: [{ status: 500, path: '^(' }] })).toThrow();
    expect(() => faults.merge({ unknown: true })).toThrow();
  });

  it('consumes batch faults per provider and caps failures per custom_id', () => {
    const faults = new FaultRegistry(3);
    faults.merge({
      expire: { provider: 'openai', fraction_completed: 0.25, times: 1 },
      fail_validation: { times: 1 },
      request_errors: { rate: 1, status: 429, max_per_custom_id: 1 },
      slow_factor: 2,
    });
    expect(faults.forNewBatch('anthropic')).toMatchObject({ expireFraction: null, failValidation: true });
    const first = faults.forNewBatch('openai');
    expect(first).toMatchObject({ seed: 3, expireFraction: 0.25, failValidation: false, slowFactor: 2 });
    expect(first.requestErrors).toEqual({ rate: 1, status: 429, maxPerCustomId: 1 });
    expect(faults.forNewBatch('openai').expireFraction).toBeNull();
    expect(faults.allowRequestFailure('openai', 'a', 1)).toBe(true);
    expect(faults.allowRequestFailure('openai', 'a', 1)).toBe(false);
    expect(faults.allowRequestFailure('mistral', 'a', 1)).toBe(true);
  });
});
