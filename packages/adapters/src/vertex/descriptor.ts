import type { ProviderDescriptor } from '../descriptor';
import { vertexEncoder } from './encoder';
import { vertexEmulatorEnv, vertexEnvSchema, vertexOptionsFromEnv } from './env';
import { type VertexOptions, VertexTransport } from './transport';

export const vertexDescriptor = {
  name: 'vertex',
  label: 'Vertex AI',
  kinds: ['chat', 'embedding'],
  limits: { maxRequests: 200_000, maxBytes: 1_000_000_000 },
  // Text-embedding models take `outputDimensionality` as a job parameter, not per instance.
  embeddingSize: 'batch',
  env: {
    schema: vertexEnvSchema,
    options: vertexOptionsFromEnv,
    realWhen: ['GOOGLE_CLOUD_PROJECT', 'VERTEX_GCS_BUCKET'],
    realEndpoint: 'Vertex AI in your Google Cloud project',
    emulator: vertexEmulatorEnv,
  },
  encoder: vertexEncoder,
  params: { refused: [], defaultMaxTokens: null },
  estimate: { tokenizer: 'approximation', maxOutput: 'gemini-models' },
  demo: { chatModel: 'gemini-2.5-flash' },
  createTransport: (options, settings) => new VertexTransport(options, settings),
} as const satisfies ProviderDescriptor<'vertex', VertexOptions>;
