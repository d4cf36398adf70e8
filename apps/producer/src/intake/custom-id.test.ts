import { jobHeaderSchema } from '@tranche/contracts';
import { describe, expect, it } from 'vitest';
import { CUSTOM_ID_PATTERN, canonicalJson, deriveCustomId, HASH_LENGTH } from './custom-id';
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
  const idOf = (project: string, runId: string, prompt: string) => {
    const header = jobHeaderSchema.parse({
      provider: 'openai',
      model: 'gpt-4o-mini',
      metadata: { project, owner: 'tests', run_id: runId },
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
});
