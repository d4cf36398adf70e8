import { execFile } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createAzureProvider } from '@tranche/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdapter } from '../compose-adapter';
import { ProviderCallError } from '../errors';
import { adapterTestbed, byId, echoedResult, numbered } from '../test-support/testbed';
import type { BatchContext } from '../types';
import { azureDescriptor } from './descriptor';

/*
 * The adapter with no key: the real `DefaultAzureCredential` finds App Service's managed identity through
 * `IDENTITY_ENDPOINT` and `IDENTITY_HEADER`, pointed at the emulator's endpoint. `@azure/msal-node` picks its
 * identity source once per process and keeps its tokens process-wide, so every Entra case lives in this one file,
 * against one emulator, in this order; the case that needs another identity header runs in a process of its own.
 */

const chat: BatchContext = { jobId: 'job-entra', model: 'gpt-4o-mini', kind: 'chat' };
const COGNITIVE_SERVICES = 'https://cognitiveservices.azure.com';

/** What the credential chain reads, so that nothing from the machine running the tests picks another credential. */
const CREDENTIAL_VARIABLES = [
  'AZURE_TOKEN_CREDENTIALS',
  'AZURE_TENANT_ID',
  'AZURE_CLIENT_ID',
  'AZURE_CLIENT_SECRET',
  'AZURE_CLIENT_CERTIFICATE_PATH',
  'AZURE_CLIENT_CERTIFICATE_PASSWORD',
  'AZURE_USERNAME',
  'AZURE_PASSWORD',
  'AZURE_FEDERATED_TOKEN_FILE',
  'AZURE_AUTHORITY_HOST',
  'IDENTITY_ENDPOINT',
  'IDENTITY_HEADER',
  'IDENTITY_SERVER_THUMBPRINT',
  'IMDS_ENDPOINT',
  'MSI_ENDPOINT',
  'MSI_SECRET',
];

interface Call {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

/**
 * Every call the adapter and its credential make goes through this proxy to the emulator, which keeps a record of
 * the headers as sent.
 */
const calls: Call[] = [];
let proxy: Server;
let proxyUrl = '';

beforeAll(async () => {
  proxy = createServer((req, res) => {
    calls.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    const upstream = request(
      new URL(req.url ?? '/', testbed.emu.url),
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => res.destroy(error));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

const testbed = adapterTestbed({
  emulator: { port: 0, stepMs: 50, seed: 11, providers: [createAzureProvider] },
  adapter: () =>
    createAdapter(azureDescriptor, { endpoint: `${proxyUrl}/azure`, auth: { kind: 'entra' }, maxRetries: 0 }),
  context: chat,
});

const saved = new Map<string, string | undefined>();
beforeAll(() => {
  for (const name of CREDENTIAL_VARIABLES) {
    saved.set(name, process.env[name]);
    delete process.env[name];
  }
  // The variables the emulator names for a managed identity credential, with the endpoint behind the proxy.
  const { IDENTITY_ENDPOINT, IDENTITY_HEADER } = testbed.emu.credentialEnv;
  process.env.IDENTITY_ENDPOINT = IDENTITY_ENDPOINT!.replace(testbed.emu.url, proxyUrl);
  process.env.IDENTITY_HEADER = IDENTITY_HEADER!;
});

afterAll(async () => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  proxy.closeAllConnections();
  await new Promise((resolve) => proxy.close(resolve));
});

const isTokenCall = (call: Call) => call.path.startsWith('/azure/msi/');
const isApiCall = (call: Call) => call.path.startsWith('/azure/openai/v1/');

function claimsOf(authorization: string | undefined): Record<string, unknown> {
  const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1] ?? '';
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

describe('azure adapter signed in with Microsoft Entra ID', () => {
  it("fails a call made with a token the API refuses as Azure's final 401, without the token in the error", async () => {
    // Tokens issued already expired: the credential hands one over, Azure OpenAI refuses it. First in the file, since
    // MSAL would hand out a good token it had cached instead of asking the endpoint.
    testbed.emu.setFaults({ azure_token_lifetime_s: 0 });
    calls.length = 0;
    const error = await testbed.submit(numbered(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderCallError);
    expect(error).toMatchObject({ status: 401, retryable: false });
    expect((error as Error).message).toMatch(/Access token is missing, invalid, audience is incorrect/);
    const sent = calls.find(isApiCall)?.headers.authorization;
    expect(sent).toMatch(/^Bearer eyJ/);
    expect((error as Error).message).not.toContain(sent!.slice('Bearer '.length));
    expect(calls.filter(isTokenCall)).not.toHaveLength(0);
  });

  it('runs a whole batch with no key, on one token the credential got from the managed identity endpoint', async () => {
    calls.length = 0;
    const inputs = numbered(3);
    const { poll, results } = await testbed.run(inputs);
    expect(poll).toMatchObject({ phase: 'ended', outcome: 'completed', counts: { total: 3, completed: 3 } });
    const got = byId(results);
    for (const [id, request] of inputs) {
      expect(got.get(id)).toEqual(echoedResult(id, request, 'stop', expect.anything()));
    }

    // The expired token of the test before was not reused: the credential asked App Service's endpoint once more, and
    // once only, as MSAL asks it: the header, the protocol version, the resource.
    const tokenCalls = calls.filter(isTokenCall);
    expect(tokenCalls).toHaveLength(1);
    expect(tokenCalls[0]).toMatchObject({
      method: 'GET',
      headers: { 'x-identity-header': testbed.emu.credentialEnv.IDENTITY_HEADER },
    });
    const query = new URL(tokenCalls[0]!.path, proxyUrl).searchParams;
    expect(query.get('api-version')).toBe('2019-08-01');
    expect(query.get('resource')).toBe(COGNITIVE_SERVICES);

    // Every Azure call carried that token as Bearer, and no key.
    const apiCalls = calls.filter(isApiCall);
    expect(apiCalls.length).toBeGreaterThanOrEqual(4);
    for (const call of apiCalls) {
      expect(call.headers['api-key']).toBeUndefined();
      expect(call.headers.authorization).toMatch(/^Bearer eyJ/);
    }
    expect(new Set(apiCalls.map((call) => call.headers.authorization)).size).toBe(1);
    expect(claimsOf(apiCalls[0]!.headers.authorization)).toMatchObject({ aud: COGNITIVE_SERVICES });
  });

  it("refuses a forged token and an expired one with Azure's 401", async () => {
    const issued = async () => {
      const answer = await fetch(identityRequest(testbed.emu.credentialEnv.IDENTITY_HEADER!));
      return ((await answer.json()) as { access_token: string }).access_token;
    };
    const listFiles = (token: string) =>
      fetch(`${testbed.emu.url}/azure/openai/v1/files`, { headers: { authorization: `Bearer ${token}` } });

    const token = await issued();
    expect((await listFiles(token)).status).toBe(200);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = claimsOf(`Bearer ${token}`);
    const longer = Buffer.from(JSON.stringify({ ...claims, exp: Number(claims.exp) + 86_400 }));
    const resigned = Buffer.from('signed with another key, 32 bytes').toString('base64url');
    for (const forged of [
      `${header}.${longer.toString('base64url')}.${signature}`,
      `${header}.${payload}.${resigned}`,
    ]) {
      const refused = await listFiles(forged);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual({
        statusCode: 401,
        message: expect.stringMatching(
          /^Unauthorized\. Access token is missing, invalid, .* or have expired\.$/,
        ),
      });
    }

    testbed.emu.setFaults({ azure_token_lifetime_s: 0 });
    expect((await listFiles(await issued())).status).toBe(401);
  });

  it('gets no token with a wrong identity header: its calls fail before reaching Azure, as retryable', async () => {
    for (const headers of [{ 'X-IDENTITY-HEADER': 'not-the-identity-header' }, {}] as Record<
      string,
      string
    >[]) {
      const answer = await fetch(identityRequest(), { headers });
      expect(answer.status).toBe(401);
      expect(await answer.json()).not.toHaveProperty('access_token');
    }

    calls.length = 0;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', POLL_ONCE],
      {
        env: {
          ...process.env,
          IDENTITY_HEADER: 'not-the-identity-header',
          // The managed identity alone: a developer's own Azure CLI sign-in must not answer instead.
          AZURE_TOKEN_CREDENTIALS: 'ManagedIdentityCredential',
          TEST_AZURE_ENDPOINT: `${proxyUrl}/azure`,
        },
      },
    );
    const error = JSON.parse(stdout) as {
      name: string;
      status: unknown;
      retryable: boolean;
      message: string;
    };
    expect(error).toMatchObject({ name: 'ProviderCallError', status: null, retryable: true });
    expect(error.message).toMatch(/ManagedIdentityCredential/);
    expect(error.message).toMatch(/X-IDENTITY-HEADER header is missing or does not match/);
    expect(calls.filter(isTokenCall)).toEqual([
      expect.objectContaining({
        headers: expect.objectContaining({ 'x-identity-header': 'not-the-identity-header' }),
      }),
    ]);
    expect(calls.filter(isApiCall)).toEqual([]);
  });
});

/** One poll by a fresh adapter signed in with Entra ID, in a process of its own; prints the error it got. */
const POLL_ONCE = `
const { createAdapter } = await import(${JSON.stringify(fileURLToPath(new URL('../compose-adapter.ts', import.meta.url)))});
const { azureDescriptor } = await import(${JSON.stringify(fileURLToPath(new URL('./descriptor.ts', import.meta.url)))});
const adapter = createAdapter(azureDescriptor, {
  endpoint: process.env.TEST_AZURE_ENDPOINT,
  auth: { kind: 'entra' },
  maxRetries: 0,
});
const error = await adapter.poll({ providerBatchId: 'batch_1' }).then(() => ({}), (e) => e);
process.stdout.write(JSON.stringify({ name: error.name, status: error.status, retryable: error.retryable, message: error.message }));
`;

/** The request MSAL's App Service source makes; with `header`, as a `Request` that carries it. */
function identityRequest(header?: string): Request {
  const url = new URL(testbed.emu.credentialEnv.IDENTITY_ENDPOINT!);
  url.searchParams.set('api-version', '2019-08-01');
  url.searchParams.set('resource', COGNITIVE_SERVICES);
  return new Request(url, header === undefined ? {} : { headers: { 'X-IDENTITY-HEADER': header } });
}
