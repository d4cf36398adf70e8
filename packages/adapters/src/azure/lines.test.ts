import { describe, expect, it } from 'vitest';
import { parseCompatibleLine } from '../openai-compatible/parse-line';
import type { BatchContext } from '../types';
import { azureBaseURL } from './client';
import { azureEncoder } from './encoder';

// The job's model is the Global Batch deployment's name.
const chat: BatchContext = { jobId: 'j', model: 'gpt-4.1-batch', kind: 'chat' };

// Request and result lines as Azure's batch how-to shows them (docs/providers/azure.md#sources).
describe('azure request lines', () => {
  it("writes the how-to's line: /v1/chat/completions, the deployment name as body.model", () => {
    const line = JSON.parse(
      azureEncoder.encodeLine(
        'task-0',
        {
          system: 'You are an AI assistant that helps people find information.',
          messages: [{ role: 'user', content: 'When was Microsoft founded?' }],
        },
        chat,
      ),
    );
    expect(line).toEqual({
      custom_id: 'task-0',
      method: 'POST',
      url: '/v1/chat/completions',
      body: {
        model: 'gpt-4.1-batch',
        messages: [
          { role: 'system', content: 'You are an AI assistant that helps people find information.' },
          { role: 'user', content: 'When was Microsoft founded?' },
        ],
      },
    });
  });

  it('refuses embeddings, which Azure batches do not run', () => {
    expect(() =>
      azureEncoder.encodeLine('e-1', { text: 'x' }, { jobId: 'j', model: 'emb', kind: 'embedding' }),
    ).toThrow(/chat only/);
  });

  it("targets the resource's v1 API, however its endpoint ends", () => {
    expect(azureBaseURL('https://res.openai.azure.com')).toBe('https://res.openai.azure.com/openai/v1');
    expect(azureBaseURL('https://res.openai.azure.com/')).toBe('https://res.openai.azure.com/openai/v1');
  });
});

describe('azure result lines', () => {
  it("reads the how-to's chat success line: no top-level id, content filter results, a UUID request id", () => {
    const line = {
      custom_id: 'task-0',
      response: {
        body: {
          choices: [
            {
              content_filter_results: {
                hate: { filtered: false, severity: 'safe' },
                self_harm: { filtered: false, severity: 'safe' },
                sexual: { filtered: false, severity: 'safe' },
                violence: { filtered: false, severity: 'safe' },
              },
              finish_reason: 'stop',
              index: 0,
              logprobs: null,
              message: {
                content:
                  'Microsoft was founded on April 4, 1975, by Bill Gates and Paul Allen in Albuquerque, New Mexico.',
                role: 'assistant',
              },
            },
          ],
          created: 1722477079,
          id: 'chatcmpl-9rFGJ9dh08Tw9WRKqaEHwrkqRa4DJ',
          model: 'gpt-4o-2024-05-13',
          object: 'chat.completion',
          prompt_filter_results: [
            {
              prompt_index: 0,
              content_filter_results: {
                hate: { filtered: false, severity: 'safe' },
                jailbreak: { filtered: false, detected: false },
                self_harm: { filtered: false, severity: 'safe' },
                sexual: { filtered: false, severity: 'safe' },
                violence: { filtered: false, severity: 'safe' },
              },
            },
          ],
          system_fingerprint: 'fp_a9bfe9d51d',
          usage: { completion_tokens: 24, prompt_tokens: 27, total_tokens: 51 },
        },
        request_id: '660b7424-b648-4b67-addc-862ba067d442',
        status_code: 200,
      },
      error: null,
    };
    const result = parseCompatibleLine(line, chat);
    expect(result).toMatchObject({
      customId: 'task-0',
      status: 'succeeded',
      output: {
        text: 'Microsoft was founded on April 4, 1975, by Bill Gates and Paul Allen in Albuquerque, New Mexico.',
        finishReason: 'stop',
      },
      usage: { inputTokens: 27, outputTokens: 24, cachedTokens: 0, cacheWriteTokens: 0 },
    });
  });

  it('reads an output its content filter stopped as content_filtered', () => {
    const line = {
      custom_id: 'task-1',
      response: {
        status_code: 200,
        request_id: '5f2b1a3c-0000-4000-8000-000000000001',
        body: {
          choices: [
            { index: 0, finish_reason: 'content_filter', message: { role: 'assistant', content: '' } },
          ],
          usage: { completion_tokens: 3, prompt_tokens: 20, total_tokens: 23 },
        },
      },
      error: null,
    };
    expect(parseCompatibleLine(line, chat)).toMatchObject({
      status: 'failed',
      error: { type: 'content_filtered', retryable: false },
    });
  });

  it('reads a prompt its content filter refused (400 content_filter) as content_filtered, not a bad request', () => {
    // The synchronous API's body for a filtered prompt; in a batch it lands in the error file (UNCONFIRMED).
    const line = {
      custom_id: 'task-2',
      response: {
        status_code: 400,
        request_id: '5f2b1a3c-0000-4000-8000-000000000002',
        body: {
          error: {
            message:
              "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
            type: null,
            param: 'prompt',
            code: 'content_filter',
            status: 400,
            innererror: {
              code: 'ResponsibleAIPolicyViolation',
              content_filter_result: { violence: { filtered: true, severity: 'medium' } },
            },
          },
        },
      },
      error: null,
    };
    expect(parseCompatibleLine(line, chat)).toMatchObject({
      customId: 'task-2',
      status: 'failed',
      error: { type: 'content_filtered', code: 'content_filter', retryable: false },
    });
  });
});
