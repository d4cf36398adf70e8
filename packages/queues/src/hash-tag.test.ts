import { describe, expect, it } from 'vitest';
import { hasHashTag, redisTargetOf } from './queues';

describe('queue prefixes on a Redis Cluster', () => {
  it('has a hash tag when the first { is closed by a } with something in between, as Redis reads it', () => {
    expect(hasHashTag('{tranche}')).toBe(true);
    expect(hasHashTag('app:{queues}:x')).toBe(true);
    expect(hasHashTag('{{x}')).toBe(true);
    expect(hasHashTag('tranche')).toBe(false);
    expect(hasHashTag('{}tranche')).toBe(false);
    expect(hasHashTag('a{}b{c}')).toBe(false);
    expect(hasHashTag('{tranche')).toBe(false);
  });

  it('goes to the cluster when REDIS_CLUSTER_NODES is set, to REDIS_URL otherwise', () => {
    const nodes = ['redis://10.0.0.1:6379', 'redis://10.0.0.2:6379'];
    expect(redisTargetOf({ REDIS_URL: 'redis://r:6379', REDIS_CLUSTER_NODES: nodes })).toEqual({
      clusterNodes: nodes,
    });
    expect(redisTargetOf({ REDIS_URL: 'redis://r:6379' })).toBe('redis://r:6379');
  });
});
