import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveProjectSecret, newSalt, projectSigningSecrets, ROTATION_GRACE_MS } from './project-secret';

const MASTER = 'master-key-for-tests-0123456789abcdef';

describe('newSalt', () => {
  it('draws 32 random bytes, base64url', () => {
    const salts = new Set(Array.from({ length: 50 }, newSalt));
    expect(salts.size).toBe(50);
    for (const salt of salts) {
      expect(salt).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(salt, 'base64url')).toHaveLength(32);
    }
  });
});

describe('deriveProjectSecret', () => {
  it('is whsec_ and the base64 HMAC-SHA256 of the project and salt under the master key', () => {
    const secret = deriveProjectSecret(MASTER, 'acme', 'salt-1');
    const expected = createHmac('sha256', MASTER).update('acme\nsalt-1').digest('base64');
    expect(secret).toBe(`whsec_${expected}`);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(deriveProjectSecret(MASTER, 'acme', 'salt-1')).toBe(secret);
  });

  it('differs with the project, the salt and the master key', () => {
    const secret = deriveProjectSecret(MASTER, 'acme', 'salt-1');
    expect(deriveProjectSecret(MASTER, 'other', 'salt-1')).not.toBe(secret);
    expect(deriveProjectSecret(MASTER, 'acme', 'salt-2')).not.toBe(secret);
    expect(deriveProjectSecret(`${MASTER}x`, 'acme', 'salt-1')).not.toBe(secret);
    // The separator keeps the project and the salt apart.
    expect(deriveProjectSecret(MASTER, 'ac', 'me\nsalt-1')).not.toBe(
      deriveProjectSecret(MASTER, 'acme', 'salt-1'),
    );
  });
});

describe('projectSigningSecrets', () => {
  const rotatedAt = new Date('2025-06-01T00:00:00Z');
  const current = deriveProjectSecret(MASTER, 'acme', 'new-salt');
  const previous = deriveProjectSecret(MASTER, 'acme', 'old-salt');

  it('signs with the previous secret too during the grace period after a rotation, and only with the new one after', () => {
    const salts = { salt: 'new-salt', previous_salt: 'old-salt', rotated_at: rotatedAt };
    const at = (ms: number) => new Date(rotatedAt.getTime() + ms);

    expect(projectSigningSecrets(MASTER, 'acme', salts, at(0))).toEqual([current, previous]);
    expect(projectSigningSecrets(MASTER, 'acme', salts, at(ROTATION_GRACE_MS - 1))).toEqual([
      current,
      previous,
    ]);
    expect(projectSigningSecrets(MASTER, 'acme', salts, at(ROTATION_GRACE_MS))).toEqual([current]);
    expect(ROTATION_GRACE_MS).toBe(24 * 3600 * 1000);
  });

  it('signs with its one secret when the project never rotated', () => {
    const salts = { salt: 'new-salt', previous_salt: null, rotated_at: rotatedAt };
    expect(projectSigningSecrets(MASTER, 'acme', salts, rotatedAt)).toEqual([current]);
  });
});
