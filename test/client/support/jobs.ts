import type { JobInput, JobToSubmit } from '@tranche/client';

/** `n` chat inputs with ids `in-0`, `in-1`, ... */
export const chatInputs = (n: number, prefix = 'Say'): JobInput[] =>
  Array.from({ length: n }, (_, i) => ({ id: `in-${i}`, prompt: `${prefix} ${i}` }));

/** A small OpenAI chat job of `project`, run on the emulator; `inputs` an array unless given otherwise. */
export function chatJob(project: string, inputs: JobToSubmit['inputs'] = chatInputs(3)): JobToSubmit {
  return {
    provider: 'openai',
    model: 'gpt-4o-mini',
    defaults: { params: { max_tokens: 50 } },
    metadata: { project, owner: 'client-tests' },
    inputs,
  };
}
