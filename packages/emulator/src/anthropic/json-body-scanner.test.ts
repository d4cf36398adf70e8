import { describe, expect, it } from 'vitest';
import { JsonBodyError, JsonBodyScanner } from './json-body-scanner';

function scan(body: string | Buffer, chunkSize = Number.POSITIVE_INFINITY) {
  const elements: unknown[] = [];
  const members: Array<[string, unknown]> = [];
  const scanner = new JsonBodyScanner('requests', {
    element: (raw, index) => elements.push([index, JSON.parse(raw.toString('utf8'))]),
    member: (key, raw) => members.push([key, JSON.parse(raw.toString('utf8'))]),
  });
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const size = Math.min(chunkSize, bytes.length || 1);
  for (let at = 0; at < bytes.length; at += size) scanner.write(bytes.subarray(at, at + size));
  scanner.end();
  return { elements, members, sawArray: scanner.sawArray, count: scanner.elementCount };
}

const body = JSON.stringify({
  first: { a: [1, { b: '}' }] },
  requests: [
    { custom_id: 'a', params: { text: 'quote \\" and ] } [ {', n: -1.5e3, ok: true, none: null } },
    { custom_id: 'b', params: { text: 'emoji 🦀 and ü, escaped \\\\', list: [[], {}, ''] } },
    'scalar',
    42,
  ],
  last: false,
});

describe('JsonBodyScanner', () => {
  it('hands over every element and member, whatever the chunking', () => {
    const expected = JSON.parse(body) as { requests: unknown[]; first: unknown; last: unknown };
    for (const chunkSize of [1, 2, 3, 7, 64, Number.POSITIVE_INFINITY]) {
      const result = scan(body, chunkSize);
      expect(result.elements).toEqual(expected.requests.map((element, index) => [index, element]));
      expect(result.members).toEqual([
        ['first', expected.first],
        ['last', expected.last],
      ]);
      expect(result.count).toBe(4);
    }
  });

  it('splits multi-byte characters across chunks without damage', () => {
    const text = '日本語 🦀🦀 ñ'.repeat(50);
    const result = scan(JSON.stringify({ requests: [{ text }] }), 5);
    expect(result.elements).toEqual([[0, { text }]]);
  });

  it('accepts whitespace anywhere between tokens, and an empty array', () => {
    expect(scan(' \n{ "requests" :\t[ 1 ,\r\n 2 ] } \n').elements).toEqual([
      [0, 1],
      [1, 2],
    ]);
    const empty = scan('{"requests":[]}');
    expect(empty).toMatchObject({ sawArray: true, count: 0 });
    expect(scan('{}')).toMatchObject({ sawArray: false, count: 0 });
  });

  it.each([
    ['', /end of JSON/],
    ['[]', /must be a JSON object/],
    ['{"requests":[1,]}', /expected a value/],
    ['{"requests":[1 2]}', /expected ',' or '\]'/],
    ['{"requests":[1]', /end of JSON/],
    ['{"a":1,"a":2}', /duplicate key/],
    ['{"a" 1}', /expected ':'/],
    ['{a:1}', /property name/],
    ['{"requests":[]} x', /nothing may follow/],
    ['{"requests":[{"a":"unterminated]}', /end of JSON/],
  ])('rejects %j', (text, message) => {
    expect(() => scan(text)).toThrow(message);
    expect(() => scan(text)).toThrow(JsonBodyError);
  });

  it('leaves the checking of a value itself to JSON.parse in the handler', () => {
    expect(() => scan('{"requests":[{"a":tru}]}')).toThrow(SyntaxError);
  });
});
