import { describe, expect, it } from 'vitest';
import { ALL_DESCRIPTORS, descriptorOf } from './providers';
import { AdapterRegistry } from './registry';
import type { BatchContext, Provider, UnifiedRequest } from './types';

/**
 * Request lines exactly as each provider's encoder wrote them before the descriptors existed, byte for byte: a
 * chunk written again after an upgrade must hold the same bytes (an earlier upload of it is found by its size).
 */
const chat: BatchContext = { jobId: 'job-1', model: 'm-1', kind: 'chat' };
const embedding: BatchContext = { jobId: 'job-1', model: 'e-1', kind: 'embedding' };
const output = {
  name: 'answer',
  schema: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
};

const CASES = {
  'chat with every param': {
    customId: 'r-0001',
    context: chat,
    request: {
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'Héllo "world"\n?' },
        { role: 'assistant', content: 'Hi.' },
        { role: 'system', content: 'Late note.' },
        { role: 'user', content: 'More.' },
      ],
      params: { max_tokens: 50, stop: ['END'], temperature: 0.2, top_p: 0.9 },
    },
  },
  // An id Vertex cannot carry in a label as it is (upper case, `/`, `+`, a space).
  'chat without params': {
    customId: 'Mixed/Case id+1',
    context: chat,
    request: { messages: [{ role: 'user', content: 'Hi' }] },
  },
  'structured output': {
    customId: 'r-0002',
    context: { ...chat, output },
    request: { messages: [{ role: 'user', content: 'Hi' }] },
  },
  embedding: { customId: 'e-1', context: embedding, request: { text: 'vector me' } },
  'embedding with dimensions': {
    customId: 'e-2',
    context: { ...embedding, dimensions: 256 },
    request: { text: 'vector me', params: { dimensions: 256 } },
  },
} satisfies Record<string, { customId: string; context: BatchContext; request: UnifiedRequest }>;

type CaseName = keyof typeof CASES;

const PINNED: Record<Provider, Partial<Record<CaseName, string>>> = {
  openai: {
    'chat with every param':
      '{"custom_id":"r-0001","method":"POST","url":"/v1/chat/completions","body":{"model":"m-1","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Héllo \\"world\\"\\n?"},{"role":"assistant","content":"Hi."},{"role":"system","content":"Late note."},{"role":"user","content":"More."}],"max_completion_tokens":50,"temperature":0.2,"top_p":0.9,"stop":["END"]}}',
    'chat without params':
      '{"custom_id":"Mixed/Case id+1","method":"POST","url":"/v1/chat/completions","body":{"model":"m-1","messages":[{"role":"user","content":"Hi"}]}}',
    'structured output':
      '{"custom_id":"r-0002","method":"POST","url":"/v1/chat/completions","body":{"model":"m-1","messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"answer","schema":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]},"strict":true}}}}',
    embedding:
      '{"custom_id":"e-1","method":"POST","url":"/v1/embeddings","body":{"model":"e-1","input":"vector me","encoding_format":"base64"}}',
    'embedding with dimensions':
      '{"custom_id":"e-2","method":"POST","url":"/v1/embeddings","body":{"model":"e-1","input":"vector me","dimensions":256,"encoding_format":"base64"}}',
  },
  anthropic: {
    'chat with every param':
      '{"custom_id":"r-0001","params":{"model":"m-1","max_tokens":50,"messages":[{"role":"user","content":"Héllo \\"world\\"\\n?"},{"role":"assistant","content":"Hi."},{"role":"system","content":"Late note."},{"role":"user","content":"More."}],"system":"Be brief.","stop_sequences":["END"],"temperature":0.2,"top_p":0.9}}',
    'chat without params':
      '{"custom_id":"Mixed/Case id+1","params":{"model":"m-1","max_tokens":1024,"messages":[{"role":"user","content":"Hi"}]}}',
    'structured output':
      '{"custom_id":"r-0002","params":{"model":"m-1","max_tokens":1024,"messages":[{"role":"user","content":"Hi"}],"tools":[{"name":"answer","description":"Report the answer in the required JSON structure.","input_schema":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}}],"tool_choice":{"type":"tool","name":"answer"}}}',
  },
  mistral: {
    'chat with every param':
      '{"custom_id":"r-0001","body":{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Héllo \\"world\\"\\n?"},{"role":"assistant","content":"Hi."},{"role":"system","content":"Late note."},{"role":"user","content":"More."}],"max_tokens":50,"temperature":0.2,"top_p":0.9,"stop":["END"]}}',
    'chat without params':
      '{"custom_id":"Mixed/Case id+1","body":{"messages":[{"role":"user","content":"Hi"}]}}',
    'structured output':
      '{"custom_id":"r-0002","body":{"messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"answer","schema":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]},"strict":true}}}}',
    embedding: '{"custom_id":"e-1","body":{"input":"vector me"}}',
    'embedding with dimensions': '{"custom_id":"e-2","body":{"input":"vector me","output_dimension":256}}',
  },
  vertex: {
    'chat with every param':
      '{"request":{"contents":[{"role":"user","parts":[{"text":"Héllo \\"world\\"\\n?"}]},{"role":"model","parts":[{"text":"Hi."}]},{"role":"user","parts":[{"text":"More."}]}],"systemInstruction":{"parts":[{"text":"Be brief.\\n\\nLate note."}]},"generationConfig":{"maxOutputTokens":50,"temperature":0.2,"topP":0.9,"stopSequences":["END"]},"labels":{"custom_id":"r-0001"}}}',
    'chat without params':
      '{"request":{"contents":[{"role":"user","parts":[{"text":"Hi"}]}],"labels":{"custom_id_0":"jvuxqzlef5bwc43febuwikzr"}}}',
    'structured output':
      '{"request":{"contents":[{"role":"user","parts":[{"text":"Hi"}]}],"generationConfig":{"responseMimeType":"application/json","responseJsonSchema":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}},"labels":{"custom_id":"r-0002"}}}',
    embedding: '{"custom_id":"e-1","content":"vector me"}',
    'embedding with dimensions': '{"custom_id":"e-2","content":"vector me"}',
  }, // OpenAI's chat lines, the model being the deployment name; no embeddings.
  azure: {
    'chat with every param':
      '{"custom_id":"r-0001","method":"POST","url":"/v1/chat/completions","body":{"model":"m-1","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Héllo \\"world\\"\\n?"},{"role":"assistant","content":"Hi."},{"role":"system","content":"Late note."},{"role":"user","content":"More."}],"max_completion_tokens":50,"temperature":0.2,"top_p":0.9,"stop":["END"]}}',
    'chat without params':
      '{"custom_id":"Mixed/Case id+1","method":"POST","url":"/v1/chat/completions","body":{"model":"m-1","messages":[{"role":"user","content":"Hi"}]}}',
    'structured output':
      '{"custom_id":"r-0002","method":"POST","url":"/v1/chat/completions","body":{"model":"m-1","messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"answer","schema":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]},"strict":true}}}}',
  },
  // The Gemini API's `{key, request}` lines: Vertex's GenerateContentRequest without `labels`.
  gemini: {
    'chat with every param':
      '{"key":"r-0001","request":{"contents":[{"role":"user","parts":[{"text":"Héllo \\"world\\"\\n?"}]},{"role":"model","parts":[{"text":"Hi."}]},{"role":"user","parts":[{"text":"More."}]}],"systemInstruction":{"parts":[{"text":"Be brief.\\n\\nLate note."}]},"generationConfig":{"maxOutputTokens":50,"temperature":0.2,"topP":0.9,"stopSequences":["END"]}}}',
    'chat without params':
      '{"key":"Mixed/Case id+1","request":{"contents":[{"role":"user","parts":[{"text":"Hi"}]}]}}',
    'structured output':
      '{"key":"r-0002","request":{"contents":[{"role":"user","parts":[{"text":"Hi"}]}],"generationConfig":{"responseMimeType":"application/json","responseJsonSchema":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}}}}',
    embedding: '{"key":"e-1","request":{"content":{"parts":[{"text":"vector me"}]}}}',
    'embedding with dimensions':
      '{"key":"e-2","request":{"content":{"parts":[{"text":"vector me"}]},"outputDimensionality":256}}',
  },
  // Together's `{custom_id, body}` lines: no method or url, the model in every body, `max_tokens`; no embeddings.
  together: {
    'chat with every param':
      '{"custom_id":"r-0001","body":{"model":"m-1","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Héllo \\"world\\"\\n?"},{"role":"assistant","content":"Hi."},{"role":"system","content":"Late note."},{"role":"user","content":"More."}],"max_tokens":50,"temperature":0.2,"top_p":0.9,"stop":["END"]}}',
    'chat without params':
      '{"custom_id":"Mixed/Case id+1","body":{"model":"m-1","messages":[{"role":"user","content":"Hi"}]}}',
    'structured output':
      '{"custom_id":"r-0002","body":{"model":"m-1","messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"answer","schema":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]},"strict":true}}}}',
  },
  // OpenAI's chat lines, as Groq's batch guide shows them; no embeddings.
  groq: {
    'chat with every param':
      '{"custom_id":"r-0001","method":"POST","url":"/v1/chat/completions","body":{"model":"m-1","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Héllo \\"world\\"\\n?"},{"role":"assistant","content":"Hi."},{"role":"system","content":"Late note."},{"role":"user","content":"More."}],"max_completion_tokens":50,"temperature":0.2,"top_p":0.9,"stop":["END"]}}',
    'chat without params':
      '{"custom_id":"Mixed/Case id+1","method":"POST","url":"/v1/chat/completions","body":{"model":"m-1","messages":[{"role":"user","content":"Hi"}]}}',
    'structured output':
      '{"custom_id":"r-0002","method":"POST","url":"/v1/chat/completions","body":{"model":"m-1","messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"answer","schema":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]},"strict":true}}}}',
  },
  // Bedrock's `{recordId, modelInput}` records: Claude's Messages body with `anthropic_version` and no `model`, every
  // system message in `system`; Titan Text Embeddings V2's `inputText` and `dimensions`.
  bedrock: {
    'chat with every param':
      '{"recordId":"r-0001","modelInput":{"anthropic_version":"bedrock-2023-05-31","max_tokens":50,"messages":[{"role":"user","content":"Héllo \\"world\\"\\n?"},{"role":"assistant","content":"Hi."},{"role":"user","content":"More."}],"system":"Be brief.\\n\\nLate note.","stop_sequences":["END"],"temperature":0.2,"top_p":0.9}}',
    'chat without params':
      '{"recordId":"Mixed/Case id+1","modelInput":{"anthropic_version":"bedrock-2023-05-31","max_tokens":1024,"messages":[{"role":"user","content":"Hi"}]}}',
    'structured output':
      '{"recordId":"r-0002","modelInput":{"anthropic_version":"bedrock-2023-05-31","max_tokens":1024,"messages":[{"role":"user","content":"Hi"}],"tools":[{"name":"answer","description":"Report the answer in the required JSON structure.","input_schema":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}}],"tool_choice":{"type":"tool","name":"answer"}}}',
    embedding: '{"recordId":"e-1","modelInput":{"inputText":"vector me"}}',
    'embedding with dimensions': '{"recordId":"e-2","modelInput":{"inputText":"vector me","dimensions":256}}',
  },
};

// Never called: the adapters only encode here.
const registry = new AdapterRegistry(
  Object.assign({}, ...ALL_DESCRIPTORS.map((d) => d.env.emulator('http://127.0.0.1:9'))),
);

describe.each(Object.entries(PINNED) as Array<[Provider, Partial<Record<CaseName, string>>]>)(
  '%s request lines',
  (provider, pinned) => {
    const descriptor = descriptorOf(provider);

    it.each(Object.entries(CASES) as Array<[CaseName, (typeof CASES)[CaseName]]>)(
      '%s: byte for byte as before, from the encoder and from the worker’s adapter',
      (name, { customId, request, context }) => {
        if (!descriptor.kinds.includes(context.kind)) {
          expect(pinned[name]).toBeUndefined();
          expect(() => descriptor.encoder.encodeLine(customId, request as UnifiedRequest, context)).toThrow();
          return;
        }
        const line = descriptor.encoder.encodeLine(customId, request as UnifiedRequest, context);
        expect(line).toBe(pinned[name]);
        expect(registry.get(provider).encodeLine(customId, request as UnifiedRequest, context)).toBe(line);
      },
    );
  },
);
