import type { FaultInput } from '@tranche/emulator';
import { describe, expect, it } from 'vitest';
import type { BatchAdapter, BatchContext, NormalizedResult, UnreadableLine } from '../types';
import { type AdapterTestbed, numbered } from './testbed';

export interface UnreadableLinesOptions {
  /** A chat context the provider accepts (its model). */
  chat: BatchContext;
  /** Whether a line cut in half still shows its custom id (Vertex echoes the prompt before the labels). */
  truncatedKeepsId: boolean;
}

const STRUCTURED = {
  name: 'answer',
  schema: {
    type: 'object',
    properties: { answer: { type: 'string' } },
    required: ['answer'],
    additionalProperties: false,
  },
};

/**
 * The same cases for each adapter, through its provider's emulator: result lines the adapter cannot read fail
 * their input (or count as unknown) and the rest of the file still comes through; unknown and duplicated ids, a
 * truncated file and answers holding NUL reach the worker as what they are. Registers a `describe` block.
 */
export function describeUnreadableLines<A extends BatchAdapter>(
  testbed: AdapterTestbed<A>,
  options: UnreadableLinesOptions,
): void {
  /** Runs `count` questions under `faults` and reads every result and every report of an unreadable line. */
  async function runWith(faults: FaultInput, count = 6, context?: BatchContext) {
    testbed.emu.setFaults({ seed: 4, ...faults });
    const inputs = numbered(count, 'line');
    const ctx = context ?? options.chat;
    const submitted = await testbed.submit(inputs, ctx);
    const poll = await testbed.waitEnded(submitted);
    const ref = { ...submitted, outputFileId: poll.outputFileId, errorFileId: poll.errorFileId };
    const results: NormalizedResult[] = [];
    const unreadable: UnreadableLine[] = [];
    const lines = testbed.adapter.fetchResults(ref, ctx, (l) => unreadable.push(l));
    for await (const result of lines) results.push(result);
    return { ids: inputs.map(([id]) => id), results, unreadable };
  }

  const malformed = (result: NormalizedResult) =>
    result.status === 'failed' && result.error.code === 'malformed_line';

  describe('result lines the adapter cannot read', () => {
    it('fails the input of a cut line and still reads the lines around it', async () => {
      const { ids, results, unreadable } = await runWith({ malformed_lines: { rate: 0.5 } }, 12);

      const broken = unreadable.map((l) => l.line);
      expect(broken.length).toBeGreaterThan(0);
      expect(broken.length).toBeLessThan(12);
      expect(unreadable.every((l) => l.problem === 'not JSON')).toBe(true);
      const landed = results.filter((r) => r.status === 'succeeded');
      expect(landed).toHaveLength(12 - broken.length);
      if (options.truncatedKeepsId) {
        // Every input has its line: a success, or a malformed_line failure that names where, not what.
        expect(results.map((r) => r.customId).sort()).toEqual([...ids].sort());
        for (const l of unreadable) {
          const failure = results.find((r) => r.customId === l.customId);
          expect(failure && malformed(failure)).toBe(true);
          if (failure?.status === 'failed') {
            expect(failure.error.message).toBe(
              `result line ${l.line} of ${l.file} could not be read: not JSON`,
            );
          }
        }
      }
    });

    it.each([
      ['not_json', 'not JSON'],
      ['not_object', 'JSON but not an object (an array)'],
      ['no_custom_id', 'without a custom id'],
    ] as const)('counts a %s line as unknown: it fails no input', async (shape, problem) => {
      const { results, unreadable } = await runWith({ malformed_lines: { rate: 1, shape } }, 3);

      expect(results).toEqual([]);
      expect(unreadable.map((l) => [l.line, l.customId, l.problem])).toEqual([
        [1, null, problem],
        [2, null, problem],
        [3, null, problem],
      ]);
    });

    it('fails as a result the input of a line that holds nothing but its custom id', async () => {
      const { ids, results, unreadable } = await runWith(
        { malformed_lines: { rate: 1, shape: 'only_custom_id' } },
        3,
      );

      expect(results.map((r) => r.customId).sort()).toEqual([...ids].sort());
      expect(results.every((r) => r.status === 'failed' && r.error.retryable)).toBe(true);
      expect(unreadable).toEqual([]);
    });

    it('yields the lines of ids the batch does not have and of ids given twice, for the worker to ignore', async () => {
      const unknown = await runWith({ unknown_lines: { rate: 1 } }, 3);
      expect(
        unknown.results
          .filter((r) => r.customId.startsWith('unknown-'))
          .map((r) => r.customId)
          .sort(),
      ).toEqual(['unknown-1', 'unknown-2', 'unknown-3']);
      expect(unknown.results.filter((r) => unknown.ids.includes(r.customId))).toHaveLength(3);

      const twice = await runWith({ duplicate_lines: { rate: 1 } }, 3);
      expect(twice.results.map((r) => r.customId).sort()).toEqual([...twice.ids, ...twice.ids].sort());
    });

    it('reads a truncated file up to where it ends: the cut line fails, the lines after it are missing', async () => {
      const { results, unreadable } = await runWith({ truncate_output: { at_line: 3, times: 1 } }, 5);

      expect(unreadable).toMatchObject([{ line: 3, problem: 'not JSON' }]);
      expect(results.filter((r) => r.status === 'succeeded')).toHaveLength(2);
      expect(results.filter(malformed)).toHaveLength(options.truncatedKeepsId ? 1 : 0);
      expect(await testbed.faultsLeft()).toMatchObject({ truncate_output: { times: 0 } });
    });

    it('passes on answers holding NUL as they are: raw in text, and inside structured JSON after parsing', async () => {
      const text = await runWith({ nul_answers: { rate: 1 } }, 2);
      expect(text.results).toHaveLength(2);
      for (const result of text.results) {
        expect(result.status === 'succeeded' && result.output.text?.includes('\u0000')).toBe(true);
      }

      const context: BatchContext = { ...options.chat, output: STRUCTURED };
      const structured = await runWith({ nul_answers: { rate: 1 } }, 2, context);
      expect(structured.results).toHaveLength(2);
      for (const result of structured.results) {
        expect(result.status).toBe('succeeded');
        if (result.status !== 'succeeded') continue;
        expect(result.output.text).not.toContain('\u0000');
        expect(JSON.stringify(result.output.json)).toContain('\\u0000');
      }
    });
  });
}
