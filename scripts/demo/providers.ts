import type { Provider } from '@tranche/adapters';

export interface DemoProvider {
  label: string;
  defaultModel: string;
  /** Variables that, all set, mean "use the real provider" (and that it costs money). */
  realWhen: string[];
  /** Where the provider lives by default, for the cost warning. */
  realEndpoint: string;
  /** The worker's environment to reach this provider's part of the emulator. */
  emulatorEnv(emulatorUrl: string): Record<string, string>;
}

export const DEMO_PROVIDERS: Record<Provider, DemoProvider> = {
  openai: {
    label: 'OpenAI',
    defaultModel: 'gpt-4o-mini',
    realWhen: ['OPENAI_API_KEY'],
    realEndpoint: 'https://api.openai.com/v1',
    emulatorEnv: (url) => ({
      OPENAI_API_KEY: 'sk-emulator-not-a-secret',
      OPENAI_BASE_URL: `${url}/openai/v1`,
    }),
  },
  anthropic: {
    label: 'Anthropic',
    defaultModel: 'claude-sonnet-4-5',
    realWhen: ['ANTHROPIC_API_KEY'],
    realEndpoint: 'https://api.anthropic.com',
    emulatorEnv: (url) => ({
      ANTHROPIC_API_KEY: 'sk-ant-emulator-not-a-secret',
      ANTHROPIC_BASE_URL: `${url}/anthropic`,
    }),
  },
  mistral: {
    label: 'Mistral',
    defaultModel: 'mistral-small-latest',
    realWhen: ['MISTRAL_API_KEY'],
    realEndpoint: 'https://api.mistral.ai',
    emulatorEnv: (url) => ({
      MISTRAL_API_KEY: 'mistral-emulator-not-a-secret',
      MISTRAL_SERVER_URL: `${url}/mistral`,
    }),
  },
  vertex: {
    label: 'Vertex AI',
    defaultModel: 'gemini-2.5-flash',
    realWhen: ['GOOGLE_CLOUD_PROJECT', 'VERTEX_GCS_BUCKET'],
    realEndpoint: 'Vertex AI in your Google Cloud project',
    emulatorEnv: (url) => ({
      GOOGLE_CLOUD_PROJECT: 'tranche-demo',
      GOOGLE_CLOUD_LOCATION: 'us-central1',
      VERTEX_GCS_BUCKET: 'tranche-demo',
      VERTEX_BASE_URL: `${url}/vertex`,
      GCS_API_ENDPOINT: `${url}/gcs`,
      VERTEX_ACCESS_TOKEN: 'ya29.emulator-not-a-secret',
    }),
  },
};

export function isDemoProvider(name: string): name is Provider {
  return Object.hasOwn(DEMO_PROVIDERS, name);
}
