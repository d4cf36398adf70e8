import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../core/http-error';
import { readCreateBody } from './create-body';

const body = (...chunks: string[]) => Readable.from(chunks.map((chunk) => Buffer.from(chunk)));

describe('readCreateBody', () => {
  it('hands over each request as it completes and returns the byte count', async () => {
    const seen: string[] = [];
    const text = '{"requests":[{"custom_id":"a"},{"custom_id":"b"}]}';
    const bytes = await readCreateBody(body(text.slice(0, 20), text.slice(20)), null, (raw, index) =>
      seen.push(`${index}:${raw.toString()}`),
    );
    expect(bytes).toBe(text.length);
    expect(seen).toEqual(['0:{"custom_id":"a"}', '1:{"custom_id":"b"}']);
  });

  it('refuses with 413 a body declared or found to be over the limit', async () => {
    const refused = (promise: Promise<unknown>) =>
      expect(promise).rejects.toSatisfy((error) => error instanceof HttpError && error.status === 413);
    await refused(readCreateBody(body('{}'), 101, () => undefined, 100));
    await refused(
      readCreateBody(
        body(`{"requests":["${'x'.repeat(60)}",`, `"${'y'.repeat(60)}"]}`),
        null,
        () => undefined,
        100,
      ),
    );
  });

  it('refuses with 400 a body that is not JSON or has no requests', async () => {
    const status = (text: string) =>
      readCreateBody(body(text), null, () => undefined).then(
        () => 200,
        (error: HttpError) => error.status,
      );
    expect(await status('{"requests":[1')).toBe(400);
    expect(await status('{}')).toBe(400);
    expect(await status('{"requests":[]}')).toBe(400);
  });
});
