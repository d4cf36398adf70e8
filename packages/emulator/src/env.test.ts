import { describe, expect, it } from 'vitest';
import { parseEmulatorEnv } from './env';

describe('parseEmulatorEnv', () => {
  it('applies defaults and treats empty values as unset', () => {
    expect(parseEmulatorEnv({ EMULATOR_PORT: '' })).toEqual({
      EMULATOR_PORT: 4010,
      EMULATOR_HOST: '127.0.0.1',
      EMULATOR_STEP_MS: 1000,
      EMULATOR_SEED: 1,
    });
    expect(
      parseEmulatorEnv({ EMULATOR_PORT: '0', EMULATOR_STEP_MS: '50', EMULATOR_SEED: '42' }),
    ).toMatchObject({
      EMULATOR_PORT: 0,
      EMULATOR_STEP_MS: 50,
      EMULATOR_SEED: 42,
    });
  });

  it('names the variable in errors', () => {
    expect(() => parseEmulatorEnv({ EMULATOR_PORT: 'abc' })).toThrow(/EMULATOR_PORT/);
    expect(() => parseEmulatorEnv({ EMULATOR_STEP_MS: '-5' })).toThrow(/EMULATOR_STEP_MS/);
    expect(() => parseEmulatorEnv({ EMULATOR_SEED: '1.5' })).toThrow(/EMULATOR_SEED/);
  });
});
