import { describe, expect, it } from 'vitest';
import { parseIdempotencyKey } from './idempotency';
import { RequestValidationError } from './validation-error';

describe('parseIdempotencyKey', () => {
  it('takes 1 to 255 printable ASCII characters, and no key at all', () => {
    expect(parseIdempotencyKey(undefined, 'Idempotency-Key')).toBeNull();
    expect(parseIdempotencyKey('a', 'Idempotency-Key')).toBe('a');
    expect(parseIdempotencyKey(`order 42/${'~'.repeat(246)}`, 'Idempotency-Key')).toHaveLength(255);
  });

  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['a control character', 'a\tb'],
    ['a non-ASCII character', 'clé'],
    ['not a string', 42],
  ])('refuses a key that is %s, naming the field', (_what, key) => {
    const refused = () => parseIdempotencyKey(key, 'Idempotency-Key');
    expect(refused).toThrow(RequestValidationError);
    expect(refused).toThrow('Idempotency-Key: must be 1 to 255 printable ASCII characters');
  });
});
