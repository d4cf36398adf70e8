import { InvalidArgumentError } from 'commander';

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError('expected a whole number of at least 1');
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('expected a number above 0');
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError('expected a number of at least 0');
  return n;
}

/** `--tag team=legal --tag quarter=q3` into `{team: 'legal', quarter: 'q3'}`. */
export function collectTag(value: string, tags: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf('=');
  if (at < 1) throw new InvalidArgumentError('expected key=value');
  return { ...tags, [value.slice(0, at)]: value.slice(at + 1) };
}

/** `a,b --project c` into `[a, b, c]`. */
export function collectList(value: string, list: string[] = []): string[] {
  return [
    ...list,
    ...value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  ];
}
