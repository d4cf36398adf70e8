import { describe, expect, it } from 'vitest';
import { decimalToPico, formatUsd, picoToDecimal, scaledPico, toMicro, toPpm } from './decimal';

describe('picoToDecimal', () => {
  it('writes 12 decimal places, padding small amounts with zeros', () => {
    expect(picoToDecimal(0n)).toBe('0.000000000000');
    expect(picoToDecimal(1n)).toBe('0.000000000001');
    expect(picoToDecimal(1_000_000_000_000n)).toBe('1.000000000000');
    expect(picoToDecimal(12_345_678_901_234_567n)).toBe('12345.678901234567');
  });

  it('keeps the sign of a negative amount', () => {
    expect(picoToDecimal(-1n)).toBe('-0.000000000001');
    expect(picoToDecimal(-2_500_000_000_000n)).toBe('-2.500000000000');
  });

  it('is exact far beyond the range of a float', () => {
    // numeric(24, 12): twelve digits before the point and twelve after.
    expect(picoToDecimal(999_999_999_999_999_999_999_999n)).toBe('999999999999.999999999999');
    expect(picoToDecimal(10n ** 30n + 7n)).toBe('1000000000000000000.000000000007');
  });
});

describe('decimalToPico', () => {
  it('reads what Postgres returns for numeric(24, 12)', () => {
    expect(decimalToPico('0.000000000001')).toBe(1n);
    expect(decimalToPico('12345.678901234567')).toBe(12_345_678_901_234_567n);
    expect(decimalToPico('999999999999.999999999999')).toBe(999_999_999_999_999_999_999_999n);
  });

  it('reads integers, short fractions and surrounding blanks', () => {
    expect(decimalToPico('3')).toBe(3_000_000_000_000n);
    expect(decimalToPico('0.5')).toBe(500_000_000_000n);
    expect(decimalToPico('7.')).toBe(7_000_000_000_000n);
    expect(decimalToPico(' 1.25 ')).toBe(1_250_000_000_000n);
  });

  it('reads negative amounts', () => {
    expect(decimalToPico('-0.000000000001')).toBe(-1n);
    expect(decimalToPico('-2.5')).toBe(-2_500_000_000_000n);
  });

  it('drops digits past the 12th decimal rather than inventing precision', () => {
    expect(decimalToPico('0.0000000000019')).toBe(1n);
  });

  it('refuses anything that is not a plain decimal', () => {
    for (const bad of ['', 'abc', '1e-3', '1,5', '.5', '--1', '1.2.3', 'NaN']) {
      expect(() => decimalToPico(bad), bad).toThrow(RangeError);
    }
  });

  it('round-trips with picoToDecimal', () => {
    for (const pico of [
      0n,
      1n,
      -1n,
      42n,
      1_000_000n,
      123_456_789_012_345n,
      -987_654_321_000_001n,
      10n ** 25n + 3n,
    ]) {
      expect(decimalToPico(picoToDecimal(pico))).toBe(pico);
    }
    for (const text of ['0.000000000000', '0.030000000000', '-4.200000000001', '31415926.535897932384']) {
      expect(picoToDecimal(decimalToPico(text))).toBe(text);
    }
  });

  it('sums a million small costs exactly, which floats cannot', () => {
    let total = 0n;
    let float = 0;
    for (let i = 0; i < 1_000_000; i++) {
      total += decimalToPico('0.000000100001');
      float += 0.000000100001;
    }
    expect(picoToDecimal(total)).toBe('0.100001000000');
    expect(float.toFixed(12)).not.toBe('0.100001000000');
  });
});

describe('toMicro and toPpm', () => {
  it('turns prices per million tokens into integer micro-dollars', () => {
    expect(toMicro(2.5)).toBe(2_500_000n);
    expect(toMicro(0.075)).toBe(75_000n);
    expect(toMicro(0.0375)).toBe(37_500n);
    expect(toMicro(0.000001)).toBe(1n);
    expect(toMicro(0)).toBe(0n);
  });

  it('does not carry binary float error into the integer', () => {
    // 0.1 + 0.2 is 0.30000000000000004 as a float.
    expect(toMicro(0.1 + 0.2)).toBe(300_000n);
    expect(toMicro(1.1)).toBe(1_100_000n);
  });

  it('refuses negative, infinite and non-numbers', () => {
    for (const bad of [-0.01, Number.POSITIVE_INFINITY, Number.NaN]) {
      expect(() => toMicro(bad), String(bad)).toThrow(RangeError);
    }
  });

  it('writes a fraction in parts per million', () => {
    expect(toPpm(0.5)).toBe(500_000n);
    expect(toPpm(1)).toBe(1_000_000n);
    expect(toPpm(0)).toBe(0n);
  });
});

describe('scaledPico', () => {
  it('divides by a million, rounding half up once', () => {
    expect(scaledPico(0n)).toBe(0n);
    expect(scaledPico(1_000_000n)).toBe(1n);
    expect(scaledPico(499_999n)).toBe(0n);
    expect(scaledPico(500_000n)).toBe(1n);
    expect(scaledPico(1_500_000n)).toBe(2n);
    expect(scaledPico(2_500_000n)).toBe(3n);
    expect(scaledPico(2_499_999n)).toBe(2n);
  });

  it('halves 3 picodollars to 2, not to 1 (half up, not banker’s rounding)', () => {
    expect(scaledPico(3n * toPpm(0.5))).toBe(2n);
  });

  it('is exact for amounts far beyond a float', () => {
    const pico = 10n ** 24n + 1n;
    expect(scaledPico(pico * 1_000_000n)).toBe(pico);
  });
});

describe('formatUsd', () => {
  it('rounds to cents with thousands separators, and keeps the digits of amounts under half a cent', () => {
    expect(formatUsd('1234.565000000000')).toBe('$1,234.57');
    expect(formatUsd('0.000000000000')).toBe('$0.00');
    expect(formatUsd('0.004200000000')).toBe('$0.0042');
    expect(formatUsd('0.000000000001')).toBe('$0.000000000001');
    expect(formatUsd('0.005000000000')).toBe('$0.01');
  });
});
