import { describe, expect, it } from 'vitest';
import { FaultRegistry } from './faults';
import { type LineFaults, ResultLineFaults, topLevelCustomId } from './result-line-faults';

const none: LineFaults = { malformed: null, unknownRate: 0, duplicateRate: 0, truncateAt: null };
const line = (id: string) =>
  JSON.stringify({ id: `req_${id}`, custom_id: id, response: { status_code: 200 } });
const lines = Array.from({ length: 6 }, (_, i) => line(`c-${i}`));

function written(faults: Partial<LineFaults>, seed = 1): string[] {
  const applied = ResultLineFaults.of(
    { ...none, ...faults },
    seed,
    ['openai', 0, 'output'],
    topLevelCustomId,
  );
  if (!applied) return lines;
  return lines.flatMap((l) => applied.apply(l));
}

describe('ResultLineFaults', () => {
  it('is not made for a batch without line faults, whose lines are written as they are', () => {
    expect(ResultLineFaults.of(none, 1, ['openai'], topLevelCustomId)).toBeNull();
  });

  it.each([
    ['truncated', (l: string) => expect(l).toBe(line('c-0').slice(0, Math.ceil(line('c-0').length / 2)))],
    ['not_json', (l: string) => expect(() => JSON.parse(l)).toThrow()],
    ['not_object', (l: string) => expect(JSON.parse(l)).toEqual([])],
    [
      'no_custom_id',
      (l: string) => expect(JSON.parse(l)).toEqual({ id: 'req_c-0', response: { status_code: 200 } }),
    ],
    ['only_custom_id', (l: string) => expect(JSON.parse(l)).toEqual({ custom_id: 'c-0' })],
  ] as const)('breaks every line under malformed_lines rate 1 with shape %s', (shape, check) => {
    const out = written({ malformed: { rate: 1, shape } });
    expect(out).toHaveLength(lines.length);
    check(out[0]!);
  });

  it('writes a chosen line twice under duplicate_lines', () => {
    expect(written({ duplicateRate: 1 })).toEqual(lines.flatMap((l) => [l, l]));
  });

  it('follows a chosen line with a copy under an id not in the batch under unknown_lines', () => {
    const out = written({ unknownRate: 1 });
    expect(out).toHaveLength(lines.length * 2);
    expect(out[0]).toBe(lines[0]);
    expect(JSON.parse(out[1]!)).toMatchObject({ id: 'req_c-0', custom_id: 'unknown-1' });
    expect(JSON.parse(out[3]!)).toMatchObject({ custom_id: 'unknown-2' });
  });

  it('ends the file partway through line at_line and writes nothing after it', () => {
    const out = written({ truncateAt: 3 });
    expect(out).toEqual([lines[0], lines[1], lines[2]!.slice(0, Math.ceil(lines[2]!.length / 2))]);
  });

  it('picks the same lines for the same seed, and some but not all at rate 0.5', () => {
    const first = written({ malformed: { rate: 0.5, shape: 'not_json' } }, 3);
    expect(written({ malformed: { rate: 0.5, shape: 'not_json' } }, 3)).toEqual(first);
    const broken = first.filter((l) => !l.startsWith('{')).length;
    expect(broken).toBeGreaterThan(0);
    expect(broken).toBeLessThan(lines.length);
  });
});

describe('line faults in the registry', () => {
  it('applies them to their provider only and uses up truncate_output times', () => {
    const faults = new FaultRegistry(1);
    faults.merge({
      malformed_lines: { provider: 'vertex', rate: 0.2 },
      duplicate_lines: { rate: 0.1 },
      truncate_output: { at_line: 4, times: 1 },
    });
    expect(faults.forNewBatch('openai').lines).toEqual({
      malformed: null,
      unknownRate: 0,
      duplicateRate: 0.1,
      truncateAt: 4,
    });
    expect(faults.forNewBatch('vertex').lines).toEqual({
      malformed: { rate: 0.2, shape: 'truncated' },
      unknownRate: 0,
      duplicateRate: 0.1,
      truncateAt: null,
    });
    faults.merge({ duplicate_lines: null, malformed_lines: null });
    expect(faults.current()).toMatchObject({ duplicate_lines: null, malformed_lines: null });
    expect(() => faults.merge({ malformed_lines: { rate: 1, shape: 'sideways' } })).toThrow();
  });

  it('gives nul_answers to its provider with the seed and the default character', () => {
    const faults = new FaultRegistry(5);
    faults.merge({ nul_answers: { provider: 'anthropic', rate: 0.5 } });
    expect(faults.nulAnswersFor('anthropic')).toEqual({ rate: 0.5, char: 'nul', seed: 5 });
    expect(faults.forNewBatch('openai').nulAnswers).toBeNull();
  });
});
