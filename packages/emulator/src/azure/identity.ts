import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { type Request, type Response, Router } from 'express';
import { type Clock, unixSeconds } from '../core/clock';
import type { EmulatorContext, EmulatorProvider } from '../core/provider';

/** Where App Service's managed identity endpoint is served: `IDENTITY_ENDPOINT` is `{emulator}/azure/msi/token`. */
export const AZURE_IDENTITY_PREFIX = '/azure/msi';

/**
 * The `IDENTITY_HEADER` a caller must send back as `X-IDENTITY-HEADER`. App Service makes one per app and keeps it
 * from the app's code only; here it is fixed, so the banner, the docs and a restarted emulator agree.
 */
export const AZURE_IDENTITY_HEADER = 'identity-emulator-not-a-secret';

/** The one audience issued: Azure OpenAI's (the scope `https://cognitiveservices.azure.com/.default`). */
export const COGNITIVE_SERVICES = 'https://cognitiveservices.azure.com';

/** App Service's managed identity protocol version that MSAL speaks (`X-IDENTITY-HEADER`, epoch `expires_on`). */
const API_VERSION = '2019-08-01';
/** App Service's tokens last about a day. */
const DEFAULT_LIFETIME_S = 24 * 3600;

// The emulated identity: a system-assigned one in a tenant of its own. Its ids only have to look like Entra's.
const TENANT_ID = '5e1f0a1c-0000-4000-8000-00000000a2e0';
const PRINCIPAL_ID = '5e1f0a1c-0000-4000-8000-0000000001d0';
const CLIENT_ID = '5e1f0a1c-0000-4000-8000-00000000c11e';

// Fixed, not drawn per start: a token stays good across an emulator restart, as an Entra token stays good across a
// restart of the service it is sent to. Nothing here guards anything real.
const SIGNING_KEY = 'tranche-emulator-entra-signing-key';

const JWT_HEADER = base64url(JSON.stringify({ typ: 'JWT', alg: 'HS256' }));

interface TokenClaims {
  aud: string;
  exp: number;
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

function sign(unsigned: string): Buffer {
  return createHmac('sha256', SIGNING_KEY).update(unsigned).digest();
}

/** Entra's access tokens are JWTs: a Bearer value of that shape is taken as one, anything else as a key. */
export function looksLikeJwt(value: string): boolean {
  return /^eyJ[\w-]*\.[\w-]+\.[\w-]*$/.test(value);
}

/** Tokens as the managed identity endpoint issues them, and the check the Azure OpenAI routes make of one. */
export class AzureTokens {
  constructor(private readonly clock: Clock) {}

  issue(audience: string, lifetimeS: number): { token: string; expiresOn: number } {
    const now = unixSeconds(this.clock.now());
    const exp = now + lifetimeS;
    const claims = {
      aud: audience,
      iss: `https://sts.windows.net/${TENANT_ID}/`,
      iat: now,
      nbf: now,
      exp,
      appid: CLIENT_ID,
      idtyp: 'app',
      oid: PRINCIPAL_ID,
      sub: PRINCIPAL_ID,
      tid: TENANT_ID,
      uti: randomUUID(),
    };
    const unsigned = `${JWT_HEADER}.${base64url(JSON.stringify(claims))}`;
    return { token: `${unsigned}.${sign(unsigned).toString('base64url')}`, expiresOn: exp };
  }

  /** True for a token issued here, unaltered, for Azure OpenAI, and not yet expired. */
  accepts(token: string): boolean {
    const [header, payload, signature] = token.split('.');
    if (header === undefined || payload === undefined || signature === undefined) return false;
    const expected = sign(`${header}.${payload}`);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return false;
    }
    return sameResource(claims.aud, COGNITIVE_SERVICES) && this.clock.now() < claims.exp * 1000;
  }
}

/** Entra takes a resource with or without its trailing slash. */
function sameResource(a: unknown, b: string): boolean {
  return typeof a === 'string' && a.replace(/\/+$/, '') === b;
}

/**
 * App Service's refusal body (`statusCode`, `message`, `correlationId`). Its wording for each case is not documented:
 * these messages are the emulator's own. MSAL reads `message` as the error's description.
 */
function refuse(res: Response, status: number, message: string): void {
  res.status(status).json({ statusCode: status, message, correlationId: randomUUID() });
}

/**
 * App Service's managed identity endpoint (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`), as `@azure/msal-node`'s
 * AppService source calls it: `GET ?api-version=2019-08-01&resource=…` with `X-IDENTITY-HEADER`, answered with
 * `{access_token, expires_on, resource, token_type, client_id}` (`expires_on` in epoch seconds, as a string). It
 * issues tokens for Azure OpenAI only, and only to a caller that sends the header.
 */
export function createAzureIdentityProvider(ctx: EmulatorContext, tokens: AzureTokens): EmulatorProvider {
  const router = Router();
  router.get('/token', (req: Request, res: Response) => {
    if (req.get('x-identity-header') !== AZURE_IDENTITY_HEADER) {
      refuse(res, 401, 'The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.');
      return;
    }
    if (req.query['api-version'] !== API_VERSION) {
      refuse(res, 400, `api-version must be ${API_VERSION}.`);
      return;
    }
    const resource = req.query.resource;
    if (typeof resource !== 'string' || resource === '') {
      refuse(res, 400, 'The resource parameter is missing.');
      return;
    }
    if (!sameResource(resource, COGNITIVE_SERVICES)) {
      refuse(res, 400, `This emulator issues tokens for ${COGNITIVE_SERVICES} only, not for ${resource}.`);
      return;
    }
    const lifetimeS = ctx.faults.azureTokenLifetimeS() ?? DEFAULT_LIFETIME_S;
    const { token, expiresOn } = tokens.issue(COGNITIVE_SERVICES, lifetimeS);
    const clientId = req.query.client_id;
    res.json({
      access_token: token,
      expires_on: String(expiresOn),
      resource,
      token_type: 'Bearer',
      client_id: typeof clientId === 'string' && clientId !== '' ? clientId : CLIENT_ID,
    });
  });
  router.use((req: Request, res: Response) => {
    refuse(res, 404, `No managed identity route for ${req.method} ${req.baseUrl}${req.path}.`);
  });

  return {
    name: 'azure-identity',
    mountPath: AZURE_IDENTITY_PREFIX,
    clientEnv: () => ({}),
    credentialEnv: (url) => ({
      IDENTITY_ENDPOINT: `${url}${AZURE_IDENTITY_PREFIX}/token`,
      IDENTITY_HEADER: AZURE_IDENTITY_HEADER,
    }),
    router,
    reset() {},
    async close() {},
  };
}
