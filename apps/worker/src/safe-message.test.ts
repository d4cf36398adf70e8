import { describe, expect, it } from 'vitest';
import { safeMessage, secretsOf } from './safe-message';

describe('secretsOf', () => {
  it('takes keys, secrets, tokens and passwords from the environment, and the passwords inside URLs', () => {
    const secrets = secretsOf({
      OPENAI_API_KEY: 'sk-proj-abcdefghijkl',
      WEBHOOK_SECRETS_KEY: 'whsec-123456',
      VERTEX_ACCESS_TOKEN: 'ya29.tokentoken',
      DATABASE_URL: 'postgres://tranche:pg-password@db:5432/tranche',
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_CLUSTER_NODES: ['redis://:cluster-password@10.0.0.1:6379', 'redis://10.0.0.2:6379'],
      OPENAI_BASE_URL: 'https://api.openai.com/v1',
      LOG_LEVEL: 'info',
      SWEEP_INTERVAL_S: 60,
    });

    expect(secrets.sort()).toEqual([
      'cluster-password',
      'pg-password',
      'sk-proj-abcdefghijkl',
      'whsec-123456',
      'ya29.tokentoken',
    ]);
  });

  it('ignores values too short to be secrets and variables that are not set', () => {
    expect(secretsOf({ ANTHROPIC_API_KEY: '', MISTRAL_API_KEY: undefined, METRICS_TOKEN: 'abc' })).toEqual(
      [],
    );
  });
});

describe('safeMessage', () => {
  it('masks the configured secrets wherever they appear', () => {
    expect(safeMessage('mistral 401: key mistral-key-0123 refused', ['mistral-key-0123'])).toBe(
      'mistral 401: key [redacted] refused',
    );
  });

  it('masks credential-shaped strings a provider echoes back, masked by it or not', () => {
    const openai =
      'openai 401: Incorrect API key provided: sk-proj-****************************ab12. You can find your API key at https://platform.openai.com/account/api-keys.';

    expect(safeMessage(openai, [])).toBe(
      'openai 401: Incorrect API key provided: [redacted]. You can find your API key at https://platform.openai.com/account/api-keys.',
    );
    expect(safeMessage('vertex 401: token ya29.a0AfB_byC-x rejected', [])).toBe(
      'vertex 401: token [redacted] rejected',
    );
    expect(safeMessage('sent Authorization: Bearer abc.def-ghi', [])).toBe(
      'sent Authorization: Bearer [redacted]',
    );
    expect(safeMessage('GET https://x.test/v1/files?key=AIzaSyA12345&alt=media failed', [])).toBe(
      'GET https://x.test/v1/files?key=[redacted]&alt=media failed',
    );
    expect(safeMessage('connect to postgres://tranche:hunter2@db:5432/tranche failed', [])).toBe(
      'connect to postgres://[redacted]@db:5432/tranche failed',
    );
  });

  it('keeps a message with nothing secret as it was, on one line', () => {
    expect(safeMessage('openai 503: Service Unavailable\n  (upstream)', [])).toBe(
      'openai 503: Service Unavailable (upstream)',
    );
  });

  it('cuts a long message to a few hundred characters', () => {
    const cut = safeMessage(`openai 500: ${'x'.repeat(2_000)}`, []);

    expect(cut).toHaveLength(300);
    expect(cut.endsWith('…')).toBe(true);
  });
});
