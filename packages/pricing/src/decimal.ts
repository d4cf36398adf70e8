/**
 * Money as exact integers: prices become micro-dollars per million tokens, costs picodollars (1e-12 USD), so a
 * sum of a million results is exact and equals the same arithmetic done by hand.
 */

const MICRO = 1_000_000n;

/** A decimal price (dollars per million tokens, at most 6 decimals) as integer micro-dollars. */
export function toMicro(value: number): bigint {
  const micro = Math.round(value * 1e6);
  if (!Number.isSafeInteger(micro) || micro < 0) throw new RangeError(`not a price: ${value}`);
  return BigInt(micro);
}

/** A fraction (a discount such as 0.5) in parts per million. */
export function toPpm(fraction: number): bigint {
  return toMicro(fraction);
}

/**
 * tokens × price (micro-dollars per million tokens) is exactly picodollars; a factor in ppm scales it, rounded
 * half up once at the end.
 */
export function scaledPico(atomsTimesPpm: bigint): bigint {
  return (atomsTimesPpm + MICRO / 2n) / MICRO;
}

/** Picodollars as a decimal string with 12 places, the way Postgres `numeric(24, 12)` stores it. */
export function picoToDecimal(pico: bigint): string {
  const negative = pico < 0n;
  const digits = (negative ? -pico : pico).toString().padStart(13, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -12)}.${digits.slice(-12)}`;
}

/** A decimal string (as Postgres returns numerics) as picodollars. */
export function decimalToPico(value: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d{0,12})\d*)?$/.exec(value.trim());
  if (!match) throw new RangeError(`not a decimal amount: ${value}`);
  const [, sign, whole, fraction = ''] = match;
  const pico = BigInt(whole!) * 10n ** 12n + BigInt(fraction.padEnd(12, '0'));
  return sign ? -pico : pico;
}

const CENT = 10_000_000_000n;

/**
 * An amount as people read it: `$1,234.57`; amounts under half a cent keep their digits (`$0.0042`), so a small
 * cost never reads as `$0.00`. The one formatter of refusals, alerts and reports.
 */
export function formatUsd(decimal: string): string {
  const pico = decimalToPico(decimal);
  const negative = pico < 0n;
  const abs = negative ? -pico : pico;
  const sign = negative ? '-' : '';
  if (abs > 0n && abs < CENT / 2n) return `${sign}$${picoToDecimal(abs).replace(/0+$/, '')}`;
  const cents = (abs + CENT / 2n) / CENT;
  return `${sign}$${(cents / 100n).toLocaleString('en-US')}.${String(cents % 100n).padStart(2, '0')}`;
}
