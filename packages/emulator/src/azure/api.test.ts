import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../server';
import { chatLines, openEmulator, readJsonl, uploadLines, waitFor } from '../test-support';
import { AZURE_TOKEN_REFUSED } from './auth';
import { AZURE_IDENTITY_HEADER } from './identity';
import { abbreviated } from './queue-limit';

let emu: EmulatorHandle;
let client: OpenAI;

beforeAll(async () => {
  ({ emu } = await openEmulator());
  // As Azure's v1 how-to: the OpenAI client at `{endpoint}/openai/v1`, here with the key in `api-key`.
  client = new OpenAI({
    apiKey: 'k',
    baseURL: `${emu.url}/azure/openai/v1`,
    defaultHeaders: { 'api-key': 'k', Authorization: null },
    maxRetries: 0,
  });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.resetAll();
});

/** Uploads the lines and waits for the file to be processed, as the adapter does. */
async function processedFile(lines: string[]) {
  const file = await uploadLines(client, lines);
  for (;;) {
    const now = await client.files.retrieve(file.id);
    if (now.status === 'processed') return now;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('azure emulator', () => {
  it("answers a request without a key with Azure's 401, and every answer with an apim-request-id", async () => {
    const denied = await fetch(`${emu.url}/azure/openai/v1/files`);
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({
      error: {
        code: '401',
        message: expect.stringMatching(
          /^Access denied due to invalid subscription key or wrong API endpoint/,
        ),
      },
    });
    expect(denied.headers.get('apim-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // A key sent as a Bearer token, as Microsoft's v1 examples with the plain OpenAI client send it.
    const keyAsBearer = await fetch(`${emu.url}/azure/openai/v1/files`, {
      headers: { authorization: 'Bearer k' },
    });
    expect(keyAsBearer.status).toBe(200);
    expect(keyAsBearer.headers.get('apim-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("keeps a new file pending for a while, and refuses a batch on it in Azure's words", async () => {
    const file = await uploadLines(client, chatLines(1));
    expect(file.status).toBe('pending');
    const refused = await client.batches
      .create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 400 });
    expect((refused as Error).message).toMatch(
      /is in 'pending' state\. Only files with status 'Processed' are accepted for batch inferencing/,
    );
    expect((await processedFile(chatLines(1))).status).toBe('processed');
  });

  it('runs a batch with no 24 h deadline and writes result lines as Azure does', async () => {
    const file = await processedFile(chatLines(2));
    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    expect(created.expires_at).toBeNull();
    const done = await waitFor(client, created.id);
    expect(done.status).toBe('completed');
    const [line] = await readJsonl(client, done.output_file_id!);
    expect(line).not.toHaveProperty('id');
    expect(line).toMatchObject({
      custom_id: expect.stringMatching(/^req-/),
      response: {
        status_code: 200,
        request_id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/),
        body: {
          choices: [{ content_filter_results: { hate: { filtered: false, severity: 'safe' } } }],
          prompt_filter_results: [{ prompt_index: 0 }],
        },
      },
      error: null,
    });
  });

  it("fails a batch over the deployment's enqueued-token quota, and with fail_fast refuses its create", async () => {
    emu.setFaults({ azure_enqueued_token_limit: { tokens: 3 } });
    const file = await processedFile(chatLines(2));
    const params = {
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    } as const;
    const failed = await waitFor(client, (await client.batches.create(params)).id);
    expect(failed.status).toBe('failed');
    expect(failed.errors?.data?.[0]).toMatchObject({
      code: 'token_limit_exceeded',
      message: expect.stringMatching(/surpassed the configured limit of 3 for the deployment '.+'\. Please/),
      line: null,
    });

    emu.setFaults({ azure_enqueued_token_limit: { tokens: 3, fail_fast: true } });
    const refused = await client.batches.create(params).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 400, code: 'token_limit_exceeded' });
  });

  it('leaves OpenAI untouched by the Azure quota fault', async () => {
    emu.setFaults({ azure_enqueued_token_limit: { tokens: 3, fail_fast: true } });
    const openai = new OpenAI({ apiKey: 'test', baseURL: emu.openaiBaseUrl, maxRetries: 0 });
    const file = await uploadLines(openai, chatLines(2));
    const batch = await openai.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    expect((await waitFor(openai, batch.id)).status).toBe('completed');
    expect(batch.expires_at).toBe(batch.created_at + 24 * 3600);
  });

  it('states limits abbreviated, as Azure does', () => {
    expect(abbreviated(30_000)).toBe('30K');
    expect(abbreviated(200_000_000)).toBe('200M');
    expect(abbreviated(1_500_000_000)).toBe('1.5B');
    expect(abbreviated(950)).toBe('950');
  });
});

const COGNITIVE_SERVICES = 'https://cognitiveservices.azure.com';

/** A token request as `@azure/msal-node`'s App Service source makes it. */
function askForToken(
  options: { header?: string | null; resource?: string; apiVersion?: string } = {},
): Promise<Response> {
  const url = new URL(emu.credentialEnv.IDENTITY_ENDPOINT!);
  url.searchParams.set('api-version', options.apiVersion ?? '2019-08-01');
  url.searchParams.set('resource', options.resource ?? COGNITIVE_SERVICES);
  const header = options.header === undefined ? AZURE_IDENTITY_HEADER : options.header;
  return fetch(url, { headers: header === null ? {} : { 'X-IDENTITY-HEADER': header } });
}

async function issuedToken(): Promise<string> {
  const response = await askForToken();
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

function listFilesWith(token: string): Promise<Response> {
  return fetch(`${emu.url}/azure/openai/v1/files`, { headers: { authorization: `Bearer ${token}` } });
}

describe("azure emulator: App Service's managed identity endpoint and Entra ID tokens", () => {
  it('names the variables that point a managed identity credential at it', () => {
    expect(emu.credentialEnv).toEqual({
      IDENTITY_ENDPOINT: `${emu.url}/azure/msi/token`,
      IDENTITY_HEADER: AZURE_IDENTITY_HEADER,
    });
  });

  it('issues a JWT for Azure OpenAI in App Service’s answer shape, which the Azure routes take', async () => {
    const response = await askForToken();
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, string>;
    expect(body).toEqual({
      access_token: expect.stringMatching(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/),
      expires_on: expect.stringMatching(/^\d+$/),
      resource: COGNITIVE_SERVICES,
      token_type: 'Bearer',
      client_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    const claims = JSON.parse(Buffer.from(body.access_token!.split('.')[1]!, 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ aud: COGNITIVE_SERVICES, exp: Number(body.expires_on) });
    // A day, as App Service's tokens last.
    expect(claims.exp - claims.iat).toBe(24 * 3600);
    expect((await listFilesWith(body.access_token!)).status).toBe(200);
  });

  it('gives no token without the identity header, with a wrong one, or for another resource', async () => {
    for (const header of [null, 'wrong-header']) {
      const refused = await askForToken({ header });
      expect(refused.status).toBe(401);
      const body = await refused.json();
      expect(body).toEqual({
        statusCode: 401,
        message: expect.any(String),
        correlationId: expect.any(String),
      });
      expect(body).not.toHaveProperty('access_token');
    }
    const otherResource = await askForToken({ resource: 'https://management.azure.com' });
    expect(otherResource.status).toBe(400);
    expect(await otherResource.json()).not.toHaveProperty('access_token');
    expect((await askForToken({ apiVersion: '2017-09-01' })).status).toBe(400);
    // Entra takes a resource with its trailing slash too.
    expect((await askForToken({ resource: `${COGNITIVE_SERVICES}/` })).status).toBe(200);
  });

  it("refuses an altered token and an expired one with Azure's token 401", async () => {
    const token = await issuedToken();
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const longer = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 3600 })).toString('base64url');
    const flipped = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    for (const forged of [`${header}.${longer}.${signature}`, `${header}.${payload}.${flipped}`]) {
      const refused = await listFilesWith(forged);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual(AZURE_TOKEN_REFUSED);
    }

    emu.setFaults({ azure_token_lifetime_s: 0 });
    const expired = await issuedToken();
    const refused = await listFilesWith(expired);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual(AZURE_TOKEN_REFUSED);
    // The token issued before the fault still works: only its own expiry counts.
    expect((await listFilesWith(token)).status).toBe(200);
  });
});
