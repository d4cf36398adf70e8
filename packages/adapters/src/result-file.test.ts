import { describe, expect, it } from 'vitest';
import { recoverCustomId } from './custom-id-recovery';
import { asString } from './json-fields';
import { jsonProblem } from './json-problem';
import { parseJsonLine } from './lines';
import { parseCompatibleLine } from './openai-compatible/parse-line';
import { readResultFile } from './result-file';
import type { NormalizedResult, UnreadableLine } from './types';

const chat = { jobId: 'j', model: 'm', kind: 'chat' as const };
const SECRET = 'the secret answer';

const good = (id: string) =>
  JSON.stringify({
    custom_id: id,
    response: {
      status_code: 200,
      body: { choices: [{ message: { content: SECRET }, finish_reason: 'stop' }] },
    },
  });

async function* from(lines: string[]) {
  yield* lines;
}

async function read(lines: string[]) {
  const unreadable: UnreadableLine[] = [];
  const results: NormalizedResult[] = [];
  const reader = {
    file: 'openai file file-1',
    parse: (line: Record<string, unknown>) => parseCompatibleLine(line, chat),
    customIdOf: (line: Record<string, unknown>) => asString(line.custom_id),
    onUnreadable: (line: UnreadableLine) => unreadable.push(line),
  };
  for await (const result of readResultFile(from(lines), reader)) results.push(result);
  return { results, unreadable };
}

describe('readResultFile', () => {
  it('fails the input of each line it cannot read and reads the rest of the file', async () => {
    const { results, unreadable } = await read([
      good('a'),
      good('b').slice(0, 60),
      '[1, 2]',
      JSON.stringify({ response: { status_code: 200, body: {} } }),
      '<html>502</html>',
      good('c'),
    ]);

    expect(results.map((r) => [r.customId, r.status])).toEqual([
      ['a', 'succeeded'],
      ['b', 'failed'],
      ['c', 'succeeded'],
    ]);
    expect(results[1]).toEqual({
      customId: 'b',
      status: 'failed',
      usage: null,
      error: {
        type: 'invalid_output',
        code: 'malformed_line',
        message: 'result line 2 of openai file file-1 could not be read: not JSON',
        retryable: true,
      },
    });
    expect(unreadable).toEqual([
      { file: 'openai file file-1', line: 2, customId: 'b', problem: 'not JSON' },
      { file: 'openai file file-1', line: 3, customId: null, problem: 'JSON but not an object (an array)' },
      { file: 'openai file file-1', line: 4, customId: null, problem: 'without a custom id' },
      { file: 'openai file file-1', line: 5, customId: null, problem: 'not JSON' },
    ]);
  });

  it('fails the input of a line whose shape makes the parser throw, without the line in the reason', async () => {
    const reader = {
      file: 'f',
      parse: (): NormalizedResult => {
        throw new TypeError(`cannot read ${SECRET}`);
      },
      customIdOf: (line: Record<string, unknown>) => asString(line.custom_id),
    };
    const results: NormalizedResult[] = [];
    for await (const r of readResultFile(from([good('x')]), reader)) results.push(r);
    expect(results).toMatchObject([
      {
        customId: 'x',
        status: 'failed',
        error: { message: 'result line 1 of f could not be read: of a shape we do not know' },
      },
    ]);
  });

  it('reads as unknown a line whose custom id cannot be worked out (the reader throws)', async () => {
    const unreadable: UnreadableLine[] = [];
    const reader = {
      file: 'f',
      parse: (): NormalizedResult => {
        throw new Error('no id');
      },
      customIdOf: (): string | null => {
        throw new Error('no labels');
      },
      onUnreadable: (line: UnreadableLine) => unreadable.push(line),
    };
    const results: NormalizedResult[] = [];
    for await (const r of readResultFile(from(['{"request":{}}']), reader)) results.push(r);
    expect(results).toEqual([]);
    expect(unreadable).toEqual([{ file: 'f', line: 1, customId: null, problem: 'without a custom id' }]);
  });
});

describe('recoverCustomId', () => {
  it.each([
    ['{"id":"r","custom_id":"run-abc","response":{"body":"cut', 'run-abc'],
    ['{"custom_id" : "with \\"quote\\"", "x', 'with "quote"'],
    ['{"request":{"contents":[],"labels":{"custom_id":"v-1"}},"response":{', 'v-1'],
  ])('finds the custom id of %s', (text, id) => {
    expect(recoverCustomId(text)).toBe(id);
  });

  it.each([
    ['no id at all', '<html>502</html>'],
    ['an id cut off before its closing quote', '{"custom_id":"run-a'],
    ['an empty id', '{"custom_id":"","x'],
    ['a "custom_id" quoted inside an answer string only', '{"text":"say \\"custom_id\\":\\"x\\" please'],
  ])('finds none in %s', (_, text) => {
    expect(recoverCustomId(text)).toBeNull();
  });
});

describe('no line content in errors', () => {
  it('jsonProblem keeps the position and drops the text V8 quotes', () => {
    const problem = (text: string) => {
      try {
        JSON.parse(text);
      } catch (error) {
        return jsonProblem(error);
      }
      throw new Error('parsed');
    };
    expect(problem(`${SECRET}`)).toBe('not valid JSON');
    expect(problem('{"a":1')).toBe('not valid JSON (at position 6)');
    expect(problem('')).toBe('not valid JSON (it ends too early)');
  });

  it('parseJsonLine names the place and the line number only', () => {
    expect(() => parseJsonLine(`[${JSON.stringify(SECRET)}]`, 'chunk.jsonl', 7)).toThrow(
      /^chunk\.jsonl: line 7 is not a JSON object$/,
    );
    expect(() => parseJsonLine(SECRET, 'chunk.jsonl')).toThrow(/^chunk\.jsonl: a line is not a JSON object$/);
  });
});
