import type { StoredError } from '@tranche/db';
import { describe, expect, it } from 'vitest';
import { type BatchFailure, errorsForFailedBatch } from './failed-batch-errors';

// The request file of every case: line 1 is `a`, line 2 `b`, line 3 `c`.
const FILE = ['a', 'b', 'c'];

const failure = (code: string, message: string, line?: number | null): BatchFailure => ({
  code,
  message,
  ...(line === undefined ? {} : { line }),
});

const errorsOf = (failures: BatchFailure[], unanswered = FILE) =>
  Object.fromEntries(errorsForFailedBatch(failures, unanswered, FILE));

/** The same error for every line of the file. */
const everyLine = (error: StoredError) => Object.fromEntries(FILE.map((id) => [id, error]));

describe('errorsForFailedBatch', () => {
  it('fails a blamed line for good with the provider code, and sends the innocent rest again', () => {
    expect(errorsOf([failure('mixed_models', 'model differs', 2)])).toEqual({
      a: {
        type: 'unknown',
        code: 'batch_failed',
        message: 'another request failed the batch: mixed_models: model differs',
        retryable: true,
      },
      b: { type: 'invalid_request', code: 'mixed_models', message: 'model differs', retryable: false },
      c: {
        type: 'unknown',
        code: 'batch_failed',
        message: 'another request failed the batch: mixed_models: model differs',
        retryable: true,
      },
    });
  });

  it('counts lines from 1, in request-file order', () => {
    const errors = errorsOf([failure('bad', 'first line', 1), failure('bad', 'last line', 3)]);
    expect(errors.a).toMatchObject({ type: 'invalid_request', message: 'first line' });
    expect(errors.c).toMatchObject({ type: 'invalid_request', message: 'last line' });
    expect(errors.b).toMatchObject({ type: 'unknown', code: 'batch_failed', retryable: true });
  });

  it('fails every input for good when nothing in particular was blamed', () => {
    expect(errorsOf([failure('file_too_large', 'too big')])).toEqual(
      everyLine({
        type: 'invalid_request',
        code: 'batch_failed',
        message: 'file_too_large: too big',
        retryable: false,
      }),
    );
  });

  it('says the provider failed the batch when it gave no reason at all', () => {
    expect(errorsOf([], ['a'])).toEqual({
      a: {
        type: 'invalid_request',
        code: 'batch_failed',
        message: 'the provider failed the batch',
        retryable: false,
      },
    });
  });

  it.each([
    ['null', null],
    ['0 (lines count from 1)', 0],
    ['past the end of the file', 4],
    ['negative', -1],
    ['not a whole number', 1.5],
  ])('blames nobody for a failure whose line is %s', (_, line) => {
    expect(errorsOf([failure('bad_line', 'nope', line)])).toEqual(
      everyLine({
        type: 'invalid_request',
        code: 'batch_failed',
        message: 'bad_line: nope',
        retryable: false,
      }),
    );
  });

  it('blames nobody for a failure that names no line', () => {
    expect(errorsOf([failure('bad', 'no line')]).a).toMatchObject({
      type: 'invalid_request',
      code: 'batch_failed',
    });
  });

  it('summarises several failures in the order the provider gave them', () => {
    const errors = errorsOf([
      failure('mixed_models', 'line 2 differs', 2),
      failure('empty', 'no body'),
      failure('duplicate_custom_id', 'line 3 repeats', 3),
    ]);
    expect(errors.a).toEqual({
      type: 'unknown',
      code: 'batch_failed',
      message:
        'another request failed the batch: mixed_models: line 2 differs; empty: no body; ' +
        'duplicate_custom_id: line 3 repeats',
      retryable: true,
    });
    expect(errors.b).toMatchObject({ code: 'mixed_models', message: 'line 2 differs' });
    expect(errors.c).toMatchObject({ code: 'duplicate_custom_id', message: 'line 3 repeats' });
  });

  it('keeps the last of two failures on one line', () => {
    const errors = errorsOf([failure('first', 'one', 1), failure('second', 'two', 1)]);
    expect(errors.a).toEqual({ type: 'invalid_request', code: 'second', message: 'two', retryable: false });
  });

  it('still treats the others as innocent when the blamed line was answered anyway', () => {
    // `b` is blamed but has a result already: only `a` and `c` are asked about.
    const errors = errorsOf([failure('mixed_models', 'model differs', 2)], ['a', 'c']);
    expect(Object.keys(errors)).toEqual(['a', 'c']);
    expect(errors.a).toMatchObject({ type: 'unknown', code: 'batch_failed', retryable: true });
    expect(errors.c).toMatchObject({ type: 'unknown', code: 'batch_failed', retryable: true });
  });

  it('sends every unblamed input again later when the provider queue was full', () => {
    expect(errorsOf([failure('token_limit_exceeded', 'enqueued token limit reached')])).toEqual(
      everyLine({
        type: 'rate_limited',
        code: 'token_limit_exceeded',
        message: 'token_limit_exceeded: enqueued token limit reached',
        retryable: true,
      }),
    );
  });

  it('a full queue outranks another line being blamed, but a blamed line keeps its own error', () => {
    const errors = errorsOf([
      failure('mixed_models', 'model differs', 1),
      failure('token_limit_exceeded', 'full'),
    ]);
    expect(errors.a).toEqual({
      type: 'invalid_request',
      code: 'mixed_models',
      message: 'model differs',
      retryable: false,
    });
    expect(errors.b).toEqual({
      type: 'rate_limited',
      code: 'token_limit_exceeded',
      message: 'mixed_models: model differs; token_limit_exceeded: full',
      retryable: true,
    });
  });

  it('answers for the unanswered inputs only, and for none when all were answered', () => {
    expect(errorsForFailedBatch([failure('bad', 'x', 1)], [], FILE).size).toBe(0);
    expect([...errorsForFailedBatch([failure('bad', 'x', 1)], ['c'], FILE).keys()]).toEqual(['c']);
  });
});
