import { describe, expect, it } from 'vitest';
import { azureDescriptor } from './descriptor';
import { azureEmulatorEnv, azureEnvSchema, azureOptionsFromEnv } from './env';

const ENDPOINT = 'https://res.openai.azure.com';
const fromEnv = (env: Record<string, string>) => azureOptionsFromEnv(azureEnvSchema.parse(env));

describe('azure settings from the environment', () => {
  it('serves Azure once the endpoint is set, and not before, whatever the key', () => {
    expect(fromEnv({})).toEqual({ missing: 'AZURE_OPENAI_ENDPOINT' });
    expect(fromEnv({ AZURE_OPENAI_API_KEY: 'k' })).toEqual({ missing: 'AZURE_OPENAI_ENDPOINT' });
    // The demo takes the real provider once its `realWhen` variables are set: the endpoint alone now.
    expect(azureDescriptor.env.realWhen).toEqual(['AZURE_OPENAI_ENDPOINT']);
  });

  it('signs in with the key when one is set', () => {
    expect(fromEnv({ AZURE_OPENAI_ENDPOINT: ENDPOINT, AZURE_OPENAI_API_KEY: ' key-1 ' })).toEqual({
      options: { endpoint: ENDPOINT, auth: { kind: 'key', apiKey: 'key-1' } },
    });
  });

  it('signs in with Entra ID when the key is unset or empty, as docker-compose passes an unset one', () => {
    for (const env of [
      { AZURE_OPENAI_ENDPOINT: ENDPOINT },
      { AZURE_OPENAI_ENDPOINT: ENDPOINT, AZURE_OPENAI_API_KEY: '' },
      { AZURE_OPENAI_ENDPOINT: ENDPOINT, AZURE_OPENAI_API_KEY: '  ' },
    ] as Record<string, string>[]) {
      expect(fromEnv(env)).toEqual({ options: { endpoint: ENDPOINT, auth: { kind: 'entra' } } });
    }
  });

  it('reaches the emulator with a key', () => {
    expect(fromEnv(azureEmulatorEnv('http://127.0.0.1:4010'))).toEqual({
      options: {
        endpoint: 'http://127.0.0.1:4010/azure',
        auth: { kind: 'key', apiKey: 'azure-emulator-not-a-secret' },
      },
    });
  });
});
