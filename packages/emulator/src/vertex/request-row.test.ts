import { describe, expect, it } from 'vitest';
import { parseJobParams } from './job-params';
import { checkRow } from './request-row';
import { openApiToJsonSchema } from './response-schema';

const params = parseJobParams({
  displayName: 'x',
  model: 'gemini-2.5-flash',
  inputConfig: { instancesFormat: 'jsonl', gcsSource: { uris: ['gs://b/in.jsonl'] } },
  outputConfig: { predictionsFormat: 'jsonl', gcsDestination: { outputUriPrefix: 'gs://b/out' } },
});
const contents = [{ role: 'user', parts: [{ text: 'Hi' }] }];

describe('checkRow', () => {
  it('reads camelCase and snake_case requests alike', () => {
    const camel = checkRow(
      {
        request: {
          contents,
          systemInstruction: { parts: [{ text: 'S' }] },
          generationConfig: { maxOutputTokens: 5 },
        },
      },
      params,
    );
    const snake = checkRow(
      {
        request: {
          contents,
          system_instruction: { parts: [{ text: 'S' }] },
          generation_config: { max_output_tokens: 5 },
        },
      },
      params,
    );
    expect(camel).toMatchObject({
      kind: 'chat',
      maxTokens: 5,
      messages: [
        { role: 'system', text: 'S' },
        { role: 'user', text: 'Hi' },
      ],
    });
    expect(snake).toMatchObject({
      kind: 'chat',
      maxTokens: 5,
      messages: [
        { role: 'system', text: 'S' },
        { role: 'user', text: 'Hi' },
      ],
    });
  });

  it('picks the reply format from responseMimeType and the schema fields', () => {
    const format = (generationConfig: Record<string, unknown>) =>
      checkRow({ request: { contents, generationConfig } }, params);
    expect(format({ responseMimeType: 'application/json' })).toMatchObject({
      format: { type: 'json_object' },
    });
    expect(
      format({ responseMimeType: 'application/json', responseJsonSchema: { type: 'integer' } }),
    ).toMatchObject({
      format: { type: 'json_schema', schema: { type: 'integer' } },
    });
    expect(
      format({ responseMimeType: 'text/x.enum', responseSchema: { type: 'STRING', enum: ['A', 'B'] } }),
    ).toMatchObject({
      enumValues: ['A', 'B'],
    });
    expect(format({ responseJsonSchema: { type: 'integer' } })).toMatchObject({ kind: 'invalid' });
    expect(
      format({ responseMimeType: 'application/json', responseSchema: {}, responseJsonSchema: {} }),
    ).toMatchObject({ kind: 'invalid' });
  });

  it('refuses what the endpoint refuses', () => {
    const bad = [
      { contents: [] },
      { contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] },
      { contents: [{ role: 'user', parts: [] }] },
      { contents, unknownField: 1 },
      { contents, labels: { custom_id: 'UPPER' } },
      { contents, generationConfig: { temperature: 3 } },
      { contents, generationConfig: { stopSequences: ['1', '2', '3', '4', '5', '6'] } },
      { contents, generationConfig: { responseMimeType: 'text/html' } },
      { contents, generationConfig: { bogus: true } },
    ];
    for (const request of bad) expect(checkRow({ request }, params)).toMatchObject({ kind: 'invalid' });
    expect(checkRow({ nothing: 1 }, params)).toMatchObject({ kind: 'invalid', echo: { request: {} } });
  });
});

describe('openApiToJsonSchema', () => {
  it('lowercases types, turns nullable into a null type and drops propertyOrdering', () => {
    expect(
      openApiToJsonSchema({
        type: 'OBJECT',
        properties: {
          a: { type: 'STRING', nullable: true },
          b: { type: 'ARRAY', items: { type: 'INTEGER' }, minItems: '2' },
        },
        required: ['a'],
        propertyOrdering: ['a', 'b'],
      }),
    ).toEqual({
      type: 'object',
      properties: {
        a: { type: ['string', 'null'] },
        b: { type: 'array', items: { type: 'integer' }, minItems: 2 },
      },
      required: ['a'],
    });
  });
});
