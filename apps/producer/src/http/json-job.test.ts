import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { TokenType } from '@streamparser/json';
import { describe, expect, it } from 'vitest';
import { UnreadableInput } from '../intake/normalize';
import { JobValidationError } from '../intake/validation-error';
import { InvalidJsonBodyError } from './json-grammar';
import { JobFieldsAfterInputs, type JsonJobOptions, readJsonJob } from './json-job';
import { JsonJobParser } from './json-job-parser';
import { BoundedTokenizer } from './json-tokens';

const MAX = 1024;
const always: JsonJobOptions = { maxInputBytes: MAX, headerReady: () => true };
const never: JsonJobOptions = { maxInputBytes: MAX, headerReady: () => false };

/** `text` in chunks of `size` bytes (cut anywhere: inside strings, escapes and multi-byte characters). */
async function* chunked(text: string | Buffer, size = 7): AsyncGenerator<Buffer> {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function collect(inputs: AsyncIterable<unknown>): Promise<unknown[]> {
  const all: unknown[] = [];
  for await (const input of inputs) all.push(input);
  return all;
}

/** The header and inputs of `text`, with the second reading done when the reader asks for it. */
async function read(text: string | Buffer, options: JsonJobOptions = always, size = 7) {
  const job = await readJsonJob(chunked(text, size), options);
  try {
    try {
      return { header: job.header, inputs: await collect(job.inputs), replayed: false };
    } catch (error) {
      if (!(error instanceof JobFieldsAfterInputs)) throw error;
      const again = await error.replay();
      return { header: again.header, inputs: await collect(again.inputs), replayed: true };
    }
  } finally {
    await job.close();
  }
}

async function spoolFiles(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => name.startsWith(`tranche-json-body-${process.pid}-`));
}

const header = {
  provider: 'openai',
  model: 'gpt-4o-mini',
  metadata: { project: 'p', owner: 'o', tags: { a: 'é€😀' } },
  options: { max_attempts: 2 },
};
const inputs = [
  { id: 'a', prompt: 'plain' },
  { prompt: 'escapes \\ " \n \t \u0001 \ud83d\ude00 and a lone \ud800 surrogate' },
  { messages: [{ role: 'user', content: 'ünïcödé, 中文, 😀' }], params: { temperature: 0.5, stop: [] } },
  { prompt: 'numbers', params: { max_tokens: 12, top_p: 1e-3 } },
  'a string is an input too (a bad one)',
  null,
  [],
];

describe('readJsonJob', () => {
  it('reads the job and every input, whatever the chunks, as JSON.parse would', async () => {
    const body = JSON.stringify({ ...header, inputs });
    for (const size of [1, 2, 3, 7, 64, 1 << 16]) {
      expect(await read(body, always, size)).toEqual({ header, inputs, replayed: false });
    }
    // Pretty-printed, with a byte order mark.
    const pretty = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(JSON.stringify({ ...header, inputs }, null, 2)),
    ]);
    expect(await read(pretty)).toEqual({ header, inputs, replayed: false });
  });

  it('hands the inputs over as they arrive, before the body ends', async () => {
    let sent = 0;
    async function* body(): AsyncGenerator<Buffer> {
      yield Buffer.from(`${JSON.stringify(header).slice(0, -1)},"inputs":[`);
      for (let i = 0; i < 3; i++) {
        sent = i + 1;
        yield Buffer.from(`${i > 0 ? ',' : ''}{"prompt":"p${i}"}`);
      }
      yield Buffer.from(']}');
    }
    const job = await readJsonJob(body(), always);
    expect(job.header).toEqual(header);
    const seen: number[] = [];
    for await (const _ of job.inputs) seen.push(sent);
    // Each input was taken while the next was not sent yet (the last one at the comma or bracket after it).
    expect(seen).toEqual([2, 3, 3]);
    await job.close();
  });

  it('takes the job fields before or after inputs, in any order, reading the inputs again when they came first', async () => {
    const keys = [...Object.keys(header), 'inputs'];
    const orders = [keys, [...keys].reverse(), ['model', 'inputs', 'provider', 'metadata', 'options']];
    for (const order of orders) {
      const job = Object.fromEntries(
        order.map((k) => [k, k === 'inputs' ? inputs : header[k as keyof typeof header]]),
      );
      const body = JSON.stringify(job);
      // The fields before the inputs made a job: the inputs go out at once, and again if fields followed.
      const eager = await read(body, always);
      expect(eager).toEqual({ header, inputs, replayed: order.at(-1) !== 'inputs' });
      // They did not: the body is read to its end, and the inputs from its copy.
      expect(await read(body, never)).toEqual({ header, inputs, replayed: false });
    }
    expect(await spoolFiles()).toEqual([]);
  });

  it('says when inputs are missing or no array, with the problems of the other fields', async () => {
    for (const [body, message] of [
      ['{"provider":"openai"}', 'inputs: required'],
      ['', 'inputs: required'],
      ['{"inputs":{"prompt":"x"}}', 'inputs: must be an array of inputs'],
      ['{"inputs":null}', 'inputs: must be an array of inputs'],
    ] as const) {
      const error = await readJsonJob(chunked(body), always).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobValidationError);
      expect((error as Error).message).toContain(message);
      if (body.length < 3) expect((error as Error).message).toContain('metadata: required');
    }
  });

  it('lets go of an input over MAX_INPUT_BYTES as it streams by, naming its size; the others are read', async () => {
    const big = { prompt: 'x'.repeat(MAX * 20) };
    const body = JSON.stringify({ ...header, inputs: [inputs[0], big, inputs[3]] });
    const bigBytes = JSON.stringify(big).length;
    const { inputs: read1 } = await read(body, always, 100);
    expect(read1).toEqual([
      inputs[0],
      new UnreadableInput(`this input is ${bigBytes} bytes, over MAX_INPUT_BYTES (${MAX})`),
      inputs[3],
    ]);
    // The same from the copy of the body.
    expect((await read(body, never, 100)).inputs).toEqual(read1);
    // One just under the limit is read.
    const fits = { prompt: 'y'.repeat(MAX - 20) };
    expect((await read(JSON.stringify({ ...header, inputs: [fits] }), always, 100)).inputs).toEqual([fits]);
  });

  it('never holds more than its cap of one string, however long', () => {
    const tokenizer = new BoundedTokenizer(MAX);
    const strings: string[] = [];
    tokenizer.onToken = ({ token, value }) => {
      if (token === TokenType.STRING) strings.push(value as string);
    };
    tokenizer.write(Buffer.from('["'));
    const chunk = Buffer.alloc(1 << 16, 'z');
    for (let i = 0; i < 160; i++) tokenizer.write(chunk); // 10 MB of one string
    tokenizer.write(Buffer.from('","short"]'));
    expect(strings).toHaveLength(2);
    expect(strings[0]!.length).toBeLessThanOrEqual(MAX);
    expect(strings[1]).toBe('short');
  });

  it('refuses job fields over MAX_INPUT_BYTES together, before or after the inputs', async () => {
    const system = 's'.repeat(MAX);
    for (const job of [
      { ...header, defaults: { system }, inputs },
      { ...header, inputs, defaults: { system } },
    ]) {
      const error = await read(JSON.stringify(job), always, 100).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobValidationError);
      expect((error as Error).message).toContain(
        `(job): its fields other than "inputs" are over MAX_INPUT_BYTES (${MAX} bytes)`,
      );
    }
  });

  it('refuses invalid JSON wherever it is, as invalid JSON', async () => {
    const good = JSON.stringify({ ...header, inputs });
    const cases = [
      good.replace('"prompt":"plain"', '"prompt":plain'), // in an input
      good.replace('"max_tokens":12', '"max_tokens":12,'), // a trailing comma
      good.replace('"model":"gpt-4o-mini"', '"model" "gpt-4o-mini"'), // in a field
      good.slice(0, good.length - 40), // cut short
      `${good}{}`, // a second document
      `${good} x`, // trailing garbage
      good.replace('[]]', '[}]'), // a bracket that closes nothing
      Buffer.concat([Buffer.from(good.slice(0, 60)), Buffer.from([0xff, 0xfe]), Buffer.from(good.slice(60))]), // not UTF-8
    ];
    for (const body of cases) {
      for (const options of [always, never]) {
        const error = await read(body, options).catch((e: unknown) => e);
        expect(error, String(body)).toBeInstanceOf(InvalidJsonBodyError);
        expect((error as Error).message).toMatch(/^the request body is not valid JSON: /);
      }
    }
    expect(await spoolFiles()).toEqual([]);
  });

  it('refuses a body that is no object, and a field given twice', async () => {
    for (const body of ['[]', '"job"', '12']) {
      const error = await read(body).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobValidationError);
      expect((error as JobValidationError).problems).toEqual([
        { field: '(job)', message: 'must be a JSON object: the job\'s fields and its "inputs" array' },
      ]);
    }
    for (const body of [
      '{"model":"a","inputs":[],"model":"b"}',
      '{"inputs":[],"provider":"openai","inputs":[]}',
    ]) {
      const error = await read(body).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobValidationError);
      expect((error as JobValidationError).problems[0]!.message).toBe(
        'given twice: each field of the job appears once',
      );
    }
  });

  it('keeps a "__proto__" field as data, as JSON.parse does', async () => {
    const body = '{"__proto__":{"polluted":true},"inputs":[{"__proto__":{"x":1},"prompt":"p"}]}';
    const { header: read1, inputs: read2 } = await read(body);
    expect(read1).toEqual(JSON.parse(body.replace(/,"inputs".*$/, '}')));
    expect(Object.hasOwn(read1 as object, '__proto__')).toBe(true);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    expect(read2).toEqual(JSON.parse(body).inputs);
  });

  it('keeps a copy of a body over 1 MiB in a file, removed when closed wherever the reading stopped', async () => {
    const many = Array.from({ length: 2000 }, (_, i) => ({ prompt: `p${i} ${'x'.repeat(600)}` }));
    const body = JSON.stringify({ ...header, inputs: many });
    const job = await readJsonJob(chunked(body, 64 * 1024), always);
    let taken = 0;
    for await (const _ of job.inputs) if (++taken === 1900) break;
    expect(await spoolFiles()).toHaveLength(1);
    await job.close();
    expect(await spoolFiles()).toEqual([]);
    // Read again from the file when the fields came after the inputs.
    const inputsFirst = JSON.stringify({ inputs: many, ...header });
    expect(await read(inputsFirst, never, 64 * 1024)).toEqual({ header, inputs: many, replayed: false });
    expect(await spoolFiles()).toEqual([]);
  });
});

describe('JsonJobParser', () => {
  it('matches JSON.parse on values of every kind, split at every byte', () => {
    const values = [0, -1.5e-7, 1e21, true, false, null, '', 'a\\"b', '\u2028\u2029', { a: [1, { b: [] }] }];
    const body = Buffer.from(JSON.stringify({ inputs: values }));
    for (let cut = 1; cut < body.length; cut++) {
      const parser = new JsonJobParser(MAX);
      parser.write(body.subarray(0, cut));
      parser.write(body.subarray(cut));
      parser.end();
      expect(parser.take()).toEqual(values);
    }
  });
});
