import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv } from './parse-env';
import { baseEnvSchema } from './schemas';

function problems(env: Record<string, string>): string[] {
  try {
    parseEnv(baseEnvSchema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('the Redis and Postgres settings of every process', () => {
  it('takes a Redis Cluster as a list of node URLs, with a hash-tagged queue prefix', () => {
    const env = parseEnv(baseEnvSchema, {
      REDIS_CLUSTER_NODES: 'redis://10.0.0.1:6379, rediss://:secret@10.0.0.2:6380,',
      QUEUE_PREFIX: '{tranche}',
    });
    expect(env.REDIS_CLUSTER_NODES).toEqual(['redis://10.0.0.1:6379', 'rediss://:secret@10.0.0.2:6380']);
    expect(env.QUEUE_PREFIX).toBe('{tranche}');
    expect(parseEnv(baseEnvSchema, {}).REDIS_CLUSTER_NODES).toBeUndefined();
  });

  it('refuses a cluster under a prefix without a hash tag, and node URLs that are not Redis URLs', () => {
    expect(problems({ REDIS_CLUSTER_NODES: 'redis://10.0.0.1:6379' })).toEqual([
      'QUEUE_PREFIX: on a Redis Cluster (REDIS_CLUSTER_NODES) the prefix needs a hash tag, e.g. {tranche}',
    ]);
    // Redis hashes by the first {…}: an empty one does not count.
    expect(problems({ REDIS_CLUSTER_NODES: 'redis://10.0.0.1:6379', QUEUE_PREFIX: 'a{}b{c}' })).toHaveLength(
      1,
    );
    expect(problems({ REDIS_CLUSTER_NODES: 'redis://10.0.0.1:6379', QUEUE_PREFIX: 'app:{q}' })).toEqual([]);
    expect(
      problems({ REDIS_CLUSTER_NODES: 'redis://10.0.0.1:6379,http://10.0.0.2:6379', QUEUE_PREFIX: '{t}' }),
    ).toEqual(['REDIS_CLUSTER_NODES.1: must be a URL (redis: or rediss:)']);
  });

  it('knows the two pool modes, session by default, and an optional migration URL', () => {
    expect(parseEnv(baseEnvSchema, {}).DATABASE_POOL_MODE).toBe('session');
    const env = parseEnv(baseEnvSchema, {
      DATABASE_POOL_MODE: 'transaction',
      DATABASE_MIGRATION_URL: 'postgres://tranche@db:5432/tranche',
    });
    expect(env).toMatchObject({
      DATABASE_POOL_MODE: 'transaction',
      DATABASE_MIGRATION_URL: 'postgres://tranche@db:5432/tranche',
    });
    expect(problems({ DATABASE_POOL_MODE: 'statement' })[0]).toMatch(/^DATABASE_POOL_MODE: /);
    expect(problems({ DATABASE_MIGRATION_URL: 'mysql://db' })).toEqual([
      'DATABASE_MIGRATION_URL: must be a URL (postgres: or postgresql:)',
    ]);
  });
});
