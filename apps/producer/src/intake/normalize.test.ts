import { ALL_DESCRIPTORS } from '@tranche/adapters';
import { jobHeaderSchema } from '@tranche/contracts';
import { describe, expect, it } from 'vitest';
import { InputNormalizer, normalizeHeader } from './normalize';

const DEFAULTS = { pollIntervalS: 300, timeoutH: 30, maxAttempts: 3 };
const LIMITS = { minPollIntervalS: 30, maxInputs: 1000, maxInputBytes: 1 << 20 };

function header(fields: Record<string, unknown>) {
  return jobHeaderSchema.parse({
    provider: 'openai',
    model: 'gpt-5-mini',
    metadata: { project: 'p', owner: 'o' },
    ...fields,
  });
}

const problemsOf = (fields: Record<string, unknown>) =>
  normalizeHeader(header(fields), DEFAULTS, LIMITS).problems;

/** The problems of one input of a job with these header fields. */
function inputProblems(fields: Record<string, unknown>, input: Record<string, unknown>) {
  const normalizer = new InputNormalizer(header(fields), 'run-1', LIMITS);
  normalizer.add(input);
  return normalizer.problems;
}

describe('options.chat_api at intake', () => {
  it('is optional: a job without it is stored as before, and runs on the provider’s own chat API', () => {
    const { job, problems } = normalizeHeader(header({ options: { max_attempts: 2 } }), DEFAULTS, LIMITS);
    expect(problems).toEqual([]);
    expect(job.spec).toEqual({ options: { max_attempts: 2 } });
    expect(inputProblems({}, { prompt: 'Hi', params: { stop: 'END' } })).toEqual([]);
  });

  it('takes responses (and chat_completions) for an OpenAI chat job, stored with the job', () => {
    const { job, problems } = normalizeHeader(
      header({ options: { chat_api: 'responses' } }),
      DEFAULTS,
      LIMITS,
    );
    expect(problems).toEqual([]);
    expect(job.spec).toEqual({ options: { chat_api: 'responses' } });
    expect(problemsOf({ options: { chat_api: 'chat_completions' } })).toEqual([]);
  });

  it('is refused, naming the field, by every provider whose descriptor offers no choice of chat API', () => {
    const without = ALL_DESCRIPTORS.filter((descriptor) => !descriptor.chatApis);
    expect(without.map((d) => d.name)).toEqual(expect.arrayContaining(['azure', 'groq', 'anthropic']));
    for (const descriptor of without) {
      const fields = { provider: descriptor.name, model: descriptor.demo.chatModel };
      expect(problemsOf({ ...fields, options: { chat_api: 'responses' } }), descriptor.name).toEqual([
        {
          field: 'options.chat_api',
          message: `${descriptor.name} has one chat API: leave options.chat_api unset`,
        },
      ]);
      expect(problemsOf({ ...fields, options: { chat_api: 'chat_completions' } })).toHaveLength(1);
    }
  });

  it('is for chat jobs only', () => {
    expect(
      problemsOf({ kind: 'embedding', model: 'text-embedding-3-small', options: { chat_api: 'responses' } }),
    ).toEqual([{ field: 'options.chat_api', message: 'only for chat jobs' }]);
  });

  it('refuses an unknown API in the schema', () => {
    expect(jobHeaderSchema.safeParse({ ...header({}), options: { chat_api: 'assistants' } }).success).toBe(
      false,
    );
  });

  it('refuses stop for a Responses job, in the defaults once and in an input’s own params', () => {
    const responses = { options: { chat_api: 'responses' } };
    expect(problemsOf({ ...responses, defaults: { params: { stop: ['END'], max_tokens: 64 } } })).toEqual([
      { field: 'defaults.params.stop', message: 'the responses API (options.chat_api) does not take stop' },
    ]);
    expect(inputProblems(responses, { prompt: 'Hi', params: { stop: 'END' } })).toEqual([
      { field: 'inputs[0].params.stop', message: 'the responses API (options.chat_api) does not take stop' },
    ]);
    expect(inputProblems(responses, { prompt: 'Hi', params: { max_tokens: 64, temperature: 0.5 } })).toEqual(
      [],
    );
    // The Chat Completions API takes it.
    expect(
      problemsOf({ options: { chat_api: 'chat_completions' }, defaults: { params: { stop: 'END' } } }),
    ).toEqual([]);
  });
});
