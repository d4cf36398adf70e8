import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { azureClient } from '../azure/client';
import { GROQ_BASE_URL, groqClient } from '../groq/client';

// What a worker that also serves OpenAI has in its environment: the OpenAI SDK reads each one when not told.
const OPENAI_VARIABLES = {
  OPENAI_BASE_URL: 'https://openai.example/v1',
  OPENAI_ORG_ID: 'org-openai',
  OPENAI_PROJECT_ID: 'proj_openai',
  OPENAI_ADMIN_KEY: 'sk-admin-openai',
  OPENAI_WEBHOOK_SECRET: 'whsec_openai',
};

const CLIENTS = [
  { name: 'groq', make: groqClient({ apiKey: 'gsk_1' }), baseURL: GROQ_BASE_URL },
  {
    name: 'azure',
    make: azureClient({ endpoint: 'https://res.openai.azure.com', auth: { kind: 'key', apiKey: 'k-1' } }),
    baseURL: 'https://res.openai.azure.com/openai/v1',
  },
];

describe("clients of OpenAI's copies take nothing of OpenAI's from the environment", () => {
  const saved = new Map<string, string | undefined>();
  beforeEach(() => {
    for (const [name, value] of Object.entries(OPENAI_VARIABLES)) {
      saved.set(name, process.env[name]);
      process.env[name] = value;
    }
  });
  afterEach(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it.each(CLIENTS)('$name: its own URL, no organisation, project or other key', async ({ make, baseURL }) => {
    const client = await make();
    expect(client).toBeInstanceOf(OpenAI);
    expect(client.baseURL).toBe(baseURL);
    expect(client.organization).toBeNull();
    expect(client.project).toBeNull();
    expect(client.adminAPIKey).toBeNull();
    expect(client.webhookSecret).toBeNull();
  });

  it('the unconfigured SDK would have taken them: they are what the clients are kept from', () => {
    const unconfigured = new OpenAI({ apiKey: 'k' });
    expect([unconfigured.baseURL, unconfigured.organization, unconfigured.project]).toEqual([
      'https://openai.example/v1',
      'org-openai',
      'proj_openai',
    ]);
  });
});
