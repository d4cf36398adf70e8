import { jobHeaderSchema } from '@tranche/contracts';
import { describe, expect, it } from 'vitest';
import { CUSTOM_ID_PATTERN, canonicalJson, deriveCustomId, HASH_LENGTH, JobCustomIds } from './custom-id';
import { DEFAULT_INTAKE_LIMITS } from './limits';
import { InputNormalizer } from './normalize';

const request = (content: string) => ({
  provider: 'openai',
  model: 'gpt-4o-mini',
  kind: 'chat',
  request: { messages: [{ role: 'user', content }] },
});

describe('deriveCustomId', () => {
  it('is stable for the same request, whatever the key order', () => {
    const a = deriveCustomId('run-1', { b: 1, a: { y: [1, 2], x: 'z' } });
    const b = deriveCustomId('run-1', { a: { x: 'z', y: [1, 2] }, b: 1 });
    expect(a).toBe(b);
    expect(deriveCustomId('run-1', request('hello'))).toBe(deriveCustomId('run-1', request('hello')));
  });

  it('differs for near-identical requests and across runs', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20_000; i++) ids.add(deriveCustomId('run-1', request(`document ${i}`)));
    ids.add(deriveCustomId('run-1', request('document 1 ')));
    ids.add(deriveCustomId('run-1', request('Document 1')));
    expect(ids.size).toBe(20_002);
    expect(deriveCustomId('run-1', request('x'))).not.toBe(deriveCustomId('run-2', request('x')));
  });

  it('differs across projects for the same request in the same run, and not within one project', () => {
    const inProject = (project: string, content: string) => ({ project, ...request(content) });
    expect(deriveCustomId('run-1', inProject('team-a', 'x'))).not.toBe(
      deriveCustomId('run-1', inProject('team-b', 'x')),
    );
    expect(deriveCustomId('run-1', inProject('team-a', 'x'))).toBe(
      deriveCustomId('run-1', inProject('team-a', 'x')),
    );
  });

  it('fits every provider: lowercase, digits, _ and -, at most 63 characters', () => {
    const longestRun = 'a'.repeat(36);
    const id = deriveCustomId(longestRun, request('anything at all, even emoji 🎉 and ünïcödé'));
    expect(id).toMatch(CUSTOM_ID_PATTERN);
    expect(id.length).toBe(36 + 1 + HASH_LENGTH);
    expect(id.length).toBeLessThanOrEqual(63);
  });

  it('treats undefined fields as absent', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
    expect(canonicalJson([1, 'x', null, { z: 1, a: 2 }])).toBe('[1,"x",null,{"a":2,"z":1}]');
  });
});

describe('the custom id intake gives an input', () => {
  const idOf = (project: string, runId: string, prompt: string, options?: Record<string, unknown>) => {
    const header = jobHeaderSchema.parse({
      provider: 'openai',
      model: 'gpt-4o-mini',
      metadata: { project, owner: 'tests', run_id: runId },
      ...(options ? { options } : {}),
    });
    return new InputNormalizer(header, runId, DEFAULT_INTAKE_LIMITS).add({ prompt })?.customId;
  };

  it('is the same for the same request in the same run of one project, another in another project', () => {
    const a = idOf('team-a', 'run-1', 'hello');
    expect(a).toMatch(/^run-1-[a-z2-7]{26}$/);
    expect(idOf('team-a', 'run-1', 'hello')).toBe(a);
    expect(idOf('team-b', 'run-1', 'hello')).toMatch(/^run-1-/);
    expect(idOf('team-b', 'run-1', 'hello')).not.toBe(a);
  });

  it('is another through the Responses API (a replay must not reuse the other API’s answer), the same on the default one', () => {
    const plain = idOf('team-a', 'run-1', 'hello');
    const responses = idOf('team-a', 'run-1', 'hello', { chat_api: 'responses' });
    expect(responses).not.toBe(plain);
    expect(idOf('team-a', 'run-1', 'hello', { chat_api: 'chat_completions' })).toBe(plain);
    expect(idOf('team-a', 'run-1', 'hello', {})).toBe(plain);
  });
});

/**
 * Custom ids are persistent: replays find earlier results by them. These are the ids (and request sizes) intake gave
 * before its hashing was made faster; they must never change.
 */
describe('custom ids of today', () => {
  const metadata = (project: string, runId: string) => ({ project, owner: 'tests', run_id: runId });
  const headers = {
    openaiChat: { provider: 'openai', model: 'gpt-4o-mini', metadata: metadata('team-a', 'run-1') },
    withDefaults: {
      provider: 'openai',
      model: 'gpt-4o-mini',
      defaults: { system: 'Be brief.', params: { max_tokens: 50, temperature: 0.5, stop: 'END' } },
      metadata: metadata('team-a', 'run-1'),
    },
    withOutput: {
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
      output: {
        name: 'answer',
        schema: {
          type: 'object',
          properties: { b: { type: 'string' }, a: { type: 'number' } },
          required: ['a'],
        },
      },
      metadata: metadata('Ünï "quoted" \\ proj', 'r_2'),
    },
    embedding: {
      provider: 'openai',
      model: 'text-embedding-3-small',
      kind: 'embedding',
      metadata: metadata('p', 'e'),
    },
    mistral: { provider: 'mistral', model: 'mistral-small-latest', metadata: metadata('p', 'm') },
    vertex: { provider: 'vertex', model: 'gemini-2.0-flash', metadata: metadata('p', 'v') },
  };
  type Case = [keyof typeof headers, Record<string, unknown>, string, number];
  const cases: Case[] = [
    ['openaiChat', { prompt: 'hello' }, 'run-1-7fm7yy2lv3ggqrram3uiiwmjla', 48],
    [
      'openaiChat',
      { prompt: 'tab\there\nnewline \\ backslash "quote" \u0001 ctrl \u2028 ls 🎉 ünïcödé' },
      'run-1-owomiy46cpf56amr6xknlecboo',
      120,
    ],
    [
      'openaiChat',
      {
        messages: [
          { role: 'system', content: 's' },
          { content: 'u', role: 'user' },
          { role: 'assistant', content: 'a' },
        ],
      },
      'run-1-x2em5cfffzcyokwnpwe4ihxngj',
      111,
    ],
    ['openaiChat', { system: 'sys', prompt: 'p' }, 'run-1-fea33dcyagjlif2bbyq6khomlq', 59],
    [
      'openaiChat',
      { prompt: 'p', params: { stop: ['a', 'b'], top_p: 0.25, max_tokens: 1, temperature: 0 } },
      'run-1-hh23xplvnagc5aenkfohbn5pwc',
      116,
    ],
    [
      'openaiChat',
      { prompt: 'p', params: { temperature: 1e-7, max_tokens: 1_000_000 } },
      'run-1-cspxaobvdiyv2d2kx7deat35e5',
      95,
    ],
    ['openaiChat', { prompt: 'p', params: { stop: 'x' } }, 'run-1-dgkrorcah4j6kejngi4vckfg6o', 68],
    ['openaiChat', { prompt: '' }, 'run-1-y5wdtmtblm3o7pqioui3t67rcq', 43],
    ['openaiChat', { prompt: 'x'.repeat(300) }, 'run-1-ghdi5b7rxef6draaoy2qywsqzx', 343],
    ['withDefaults', { prompt: 'hello' }, 'run-1-gtaa3e32rmytca56dajcwqevkh', 129],
    [
      'withDefaults',
      { prompt: 'hello', params: { temperature: 1 } },
      'run-1-ih7yobfe56tzoi72k66u7ctqqa',
      127,
    ],
    ['withDefaults', { prompt: 'hello', system: 'other' }, 'run-1-vhsswksvobecb5xnf2ybfujgw5', 125],
    [
      'withDefaults',
      { messages: [{ role: 'user', content: 'hi' }], params: { stop: ['s1'] } },
      'run-1-2tidvte6oib5yadffhhncfzrxv',
      125,
    ],
    ['withOutput', { prompt: 'hello' }, 'r_2-4qcvllootto2ol6gagssozfydd', 48],
    [
      'withOutput',
      { messages: [{ role: 'user', content: 'q' }], params: { max_tokens: 7 } },
      'r_2-ramhneogffj6p4bzhn7suoxjpd',
      70,
    ],
    ['embedding', { text: 'embed me' }, 'e-mvkjb5nufgrzohqnkegmgg5gpl', 19],
    ['embedding', { id: 'e2', text: '' }, 'e-4tniyvndppcrl34o2dqbbcoce3', 11],
    ['embedding', { text: '🎉\\"' }, 'e-nu7wfq73jg5vukls3krq57y6fy', 19],
    ['mistral', { prompt: 'hello' }, 'm-kdtglvh43vmscqyrzpummwk5h5', 48],
    [
      'vertex',
      { prompt: 'hello', params: { top_p: 1, stop: ['a', 'b', 'c', 'd'] } },
      'v-b3nmaynqfn7omr2hx5ky7nqxsd',
      94,
    ],
  ];

  it.each(cases)('%s %j keeps its id', (name, input, customId, requestBytes) => {
    const header = jobHeaderSchema.parse(headers[name]);
    const row = new InputNormalizer(header, header.metadata.run_id!, DEFAULT_INTAKE_LIMITS).add(input);
    expect(row?.customId).toBe(customId);
    expect(Buffer.byteLength(row!.requestJson)).toBe(requestBytes);
    expect(row?.requestBytes).toBe(requestBytes);
    // The stored text is the request, whatever its key order.
    expect(JSON.parse(row!.requestJson)).toEqual(row!.request);
  });

  it('gives a job-wide prefix the same ids as deriveCustomId', () => {
    const scope = {
      project: 'p "q"',
      provider: 'openai',
      model: 'm',
      kind: 'chat',
      output: { b: 1, a: [2] },
    };
    const ids = new JobCustomIds('run-9', scope);
    for (const request of [
      { messages: [{ content: 'x', role: 'user' }] },
      { text: '' },
      { z: 1, a: { c: 2, b: 3 } },
    ])
      expect(ids.of(canonicalJson(request))).toBe(deriveCustomId('run-9', { ...scope, request }));
  });
});

describe('canonicalJson', () => {
  /** The definition: keys sorted at every depth, undefined fields left out. */
  function reference(value: unknown): string {
    if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
    if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
  }

  it.each([
    ['sorted keys (the fast path)', { a: 1, b: [{ c: 'x', d: null }], e: true }],
    ['unsorted keys', { b: 1, a: { d: 2, c: 3 } }],
    ['integer-like keys, enumerated in numeric order', { '9': 1, '10': 2, a: 3 }],
    ['an undefined field', { a: 1, b: undefined }],
    ['undefined in an array', [1, undefined, 'x']],
    ['a Date (not plain data)', { at: new Date(0) }],
    ['a function field', { a: () => 1 }],
    ['an object without a prototype', Object.assign(Object.create(null), { b: 1, a: 2 })],
    ['numbers', { a: -0, b: 1e21, c: 0.1, d: Number.NaN }],
    ['escapes', { '\u2028': '\u0001"\\', é: '🎉' }],
    ['a top-level string', 'text'],
    ['a top-level undefined', undefined],
  ])('writes %s as the definition does', (_, value) => {
    expect(canonicalJson(value)).toBe(reference(value));
  });
});
