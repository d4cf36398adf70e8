import { describe, expect, it } from 'vitest';
import { readResultFile } from '../result-file';
import type { BatchContext, NormalizedResult, UnreadableLine } from '../types';
import { bedrockEncoder } from './encoder';
import { isRecordFile } from './naming';
import { lineRecordId, parseBedrockLine } from './result-line';

const chat: BatchContext = { jobId: 'j', model: 'anthropic.claude-3-haiku-20240307-v1:0', kind: 'chat' };
const embedding: BatchContext = { jobId: 'j', model: 'amazon.titan-embed-text-v2:0', kind: 'embedding' };
const structured: BatchContext = {
  ...chat,
  output: {
    name: 'answer',
    schema: { type: 'object', properties: { a: { type: 'number' } }, required: ['a'] },
  },
};

const encode = (customId: string, request: Parameters<typeof bedrockEncoder.encodeLine>[1], context = chat) =>
  JSON.parse(bedrockEncoder.encodeLine(customId, request, context)) as Record<string, unknown>;

// Records as the Bedrock user guide shows them (docs/providers/bedrock.md#sources): the input's
// `{recordId, modelInput}` with Claude's Messages body, and the output's `modelOutput` or `error`.
describe('bedrock input records', () => {
  it("writes the user guide's Claude record: anthropic_version, max_tokens, messages, no model", () => {
    const record = encode('CALL0000001', {
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'Summarize: the contract ends in May.' }],
      params: { max_tokens: 1024, stop: ['\n\nEND'] },
    });
    expect(record).toEqual({
      recordId: 'CALL0000001',
      modelInput: {
        anthropic_version: 'bedrock-2023-05-31',
        max_tokens: 1024,
        messages: [{ role: 'user', content: 'Summarize: the contract ends in May.' }],
        system: 'You are terse.',
        stop_sequences: ['\n\nEND'],
      },
    });
  });

  it('sends the default max_tokens Claude requires, and a later system message in the system prompt', () => {
    const record = encode('r-1', {
      messages: [
        { role: 'system', content: 'First.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'system', content: 'Be brief now.' },
        { role: 'user', content: 'Go on' },
      ],
    });
    expect(record.modelInput).toEqual({
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 1024,
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: 'Go on' },
      ],
      system: 'First.\n\nBe brief now.',
    });
  });

  it('asks for structured output as a forced tool call, as on Anthropic', () => {
    const record = encode('r-2', { messages: [{ role: 'user', content: 'Hi' }] }, structured);
    expect(record.modelInput).toMatchObject({
      tools: [{ name: 'answer', input_schema: structured.output!.schema }],
      tool_choice: { type: 'tool', name: 'answer' },
    });
    expect(record.modelInput).not.toHaveProperty('model');
  });

  it("writes Titan Text Embeddings V2's body, with the size a request asks for", () => {
    expect(encode('e-1', { text: 'text to embed' }, embedding)).toEqual({
      recordId: 'e-1',
      modelInput: { inputText: 'text to embed' },
    });
    expect(encode('e-2', { text: 'x', params: { dimensions: 512 } }, embedding).modelInput).toEqual({
      inputText: 'x',
      dimensions: 512,
    });
  });
});

const claudeSuccess = {
  recordId: 'CALL0000001',
  modelInput: { anthropic_version: 'bedrock-2023-05-31', max_tokens: 1024, messages: [] },
  modelOutput: {
    id: 'msg_bdrk_01Ab',
    type: 'message',
    role: 'assistant',
    model: 'claude-3-haiku-20240307',
    content: [{ type: 'text', text: 'The contract ends in May.' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 812, output_tokens: 96 },
  },
};

describe('bedrock output records', () => {
  it('reads a Claude answer: its text, finish reason and usage as Anthropic reports them', () => {
    expect(parseBedrockLine(claudeSuccess, chat)).toEqual({
      customId: 'CALL0000001',
      status: 'succeeded',
      output: { text: 'The contract ends in May.', finishReason: 'end_turn' },
      usage: {
        inputTokens: 812,
        outputTokens: 96,
        cachedTokens: 0,
        cacheWriteTokens: 0,
        raw: { input_tokens: 812, output_tokens: 96 },
      },
    });
  });

  it('adds cache reads and writes to the input tokens, as on Anthropic', () => {
    const usage = {
      input_tokens: 10,
      output_tokens: 5,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 20,
    };
    const line = { ...claudeSuccess, modelOutput: { ...claudeSuccess.modelOutput, usage } };
    expect(parseBedrockLine(line, chat).usage).toMatchObject({
      inputTokens: 130,
      cachedTokens: 100,
      cacheWriteTokens: 20,
    });
  });

  it('reads structured output from the forced tool call', () => {
    const line = {
      ...claudeSuccess,
      modelOutput: {
        ...claudeSuccess.modelOutput,
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'answer', input: { a: 42 } }],
        stop_reason: 'tool_use',
      },
    };
    expect(parseBedrockLine(line, structured)).toMatchObject({
      status: 'succeeded',
      output: { json: { a: 42 }, text: '{"a":42}', finishReason: 'tool_use' },
    });
  });

  it('fails the record of an error line, whether its errorCode is a number or a string', () => {
    const numeric = {
      recordId: 'r-1',
      modelInput: {},
      error: { errorCode: 400, errorMessage: 'bad request' },
    };
    expect(parseBedrockLine(numeric, chat)).toEqual({
      customId: 'r-1',
      status: 'failed',
      usage: null,
      error: { type: 'invalid_request', code: '400', message: 'bad request', retryable: false },
    });
    const text = {
      recordId: 'r-2',
      modelInput: {},
      error: { errorCode: '429', errorMessage: 'Too many requests' },
    };
    expect(parseBedrockLine(text, chat)).toMatchObject({
      status: 'failed',
      error: { type: 'rate_limited', code: '429', retryable: true },
    });
  });

  it('retries records the model failed on (424) or the service did (5xx); keeps an unknown code as it is', () => {
    const error = (errorCode: unknown) => parseBedrockLine({ recordId: 'r', error: { errorCode } }, chat);
    expect(error(424)).toMatchObject({ error: { type: 'server_error', retryable: true } });
    expect(error(503)).toMatchObject({ error: { type: 'server_error', retryable: true } });
    expect(error('ModelTimeout')).toMatchObject({
      error: { type: 'unknown', code: 'ModelTimeout', message: 'the record failed', retryable: true },
    });
  });

  it('reads a Titan embedding and bills its input tokens only', () => {
    const line = {
      recordId: 'e-1',
      modelInput: { inputText: 'text to embed' },
      modelOutput: { embedding: [0.25, -0.5, 0.125], inputTextTokenCount: 5 },
    };
    const result = parseBedrockLine(line, embedding);
    expect(result).toMatchObject({
      customId: 'e-1',
      status: 'succeeded',
      usage: { inputTokens: 5, outputTokens: 0 },
    });
    expect(result.status === 'succeeded' && [...result.output.embedding!]).toEqual([0.25, -0.5, 0.125]);
  });

  it('takes the records from the job’s .out files, never from its manifest', () => {
    expect(isRecordFile('tranche/j/c/out/abcd1234efgh/input.jsonl.out')).toBe(true);
    expect(isRecordFile('tranche/j/c/out/abcd1234efgh/manifest.json.out')).toBe(false);
    expect(isRecordFile('tranche/j/c/out/abcd1234efgh/input.jsonl')).toBe(false);
  });

  it('fails the record of a line of no known shape with a reason, and goes on with the file', async () => {
    const lines = [
      JSON.stringify({ recordId: 'odd', modelInput: {} }),
      'not json',
      // Cut short: its recordId still shows, first on the line.
      JSON.stringify(claudeSuccess).replace('CALL0000001', 'CUT0000001').slice(0, 60),
      JSON.stringify(claudeSuccess),
    ];
    const unreadable: UnreadableLine[] = [];
    const results: NormalizedResult[] = [];
    const source = (async function* () {
      yield* lines;
    })();
    for await (const result of readResultFile(source, {
      file: 'bedrock s3://b/out/x.out',
      parse: (line) => parseBedrockLine(line, chat),
      customIdOf: lineRecordId,
      idKey: 'recordId',
      onUnreadable: (line) => unreadable.push(line),
    })) {
      results.push(result);
    }
    expect(results.map((r) => [r.customId, r.status])).toEqual([
      ['odd', 'failed'],
      ['CUT0000001', 'failed'],
      ['CALL0000001', 'succeeded'],
    ]);
    expect(results[0]).toMatchObject({ error: { code: 'malformed_line', type: 'invalid_output' } });
    expect(unreadable).toEqual([
      { file: 'bedrock s3://b/out/x.out', line: 1, customId: 'odd', problem: 'of a shape we do not know' },
      { file: 'bedrock s3://b/out/x.out', line: 2, customId: null, problem: 'not JSON' },
      { file: 'bedrock s3://b/out/x.out', line: 3, customId: 'CUT0000001', problem: 'not JSON' },
    ]);
  });
});
