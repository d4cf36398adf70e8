import type { GoogleGenAI, HttpRetryOptions } from '@google/genai';
import type { Storage } from '@google-cloud/storage';
import type { OAuth2Client } from 'google-auth-library';

// The SDKs are imported when a client is first made, not with this module: a process that never talks to Vertex
// (the API, a worker without Vertex jobs) does not load them.

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

export interface ClientOptions {
  project: string;
  location: string;
  /** Vertex API root, without version (`VERTEX_BASE_URL`); the SDK's regional default when unset. */
  baseUrl?: string;
  apiVersion?: 'v1' | 'v1beta1';
  /** Cloud Storage JSON API root (`GCS_API_ENDPOINT`); the storage SDK sends no credentials to a custom one. */
  gcsApiEndpoint?: string;
  /** A fixed bearer token for the Vertex API (an emulator); without it, Application Default Credentials. */
  accessToken?: string;
  retry: { attempts: number; initialDelayMs: number; maxDelayMs: number };
  timeoutMs: number;
}

const RETRY_STATUSES = [408, 429, 500, 502, 503, 504];

/** `@google/genai` retries nothing unless told to: give it explicit options. */
export async function createGenAI(options: ClientOptions): Promise<GoogleGenAI> {
  const { GoogleGenAI } = await import('@google/genai');
  const retryOptions: HttpRetryOptions = {
    attempts: options.retry.attempts,
    initialDelay: options.retry.initialDelayMs / 1000,
    maxDelay: options.retry.maxDelayMs / 1000,
    expBase: 2,
    jitter: 1,
    httpStatusCodes: RETRY_STATUSES,
  };
  return new GoogleGenAI({
    vertexai: true,
    project: options.project,
    location: options.location,
    httpOptions: {
      ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
      apiVersion: options.apiVersion ?? 'v1',
      timeout: options.timeoutMs,
      retryOptions,
    },
    googleAuthOptions: options.accessToken
      ? { authClient: await fixedTokenClient(options.accessToken) }
      : { scopes: [CLOUD_PLATFORM] },
  });
}

/** An OAuth2 client holding a token with no expiry: it never refreshes, so it never calls out. */
async function fixedTokenClient(token: string): Promise<OAuth2Client> {
  const { OAuth2Client } = await import('google-auth-library');
  const client = new OAuth2Client();
  client.setCredentials({ access_token: token });
  return client;
}

export async function createStorage(options: ClientOptions): Promise<Storage> {
  const { IdempotencyStrategy, Storage } = await import('@google-cloud/storage');
  return new Storage({
    projectId: options.project,
    ...(options.gcsApiEndpoint ? { apiEndpoint: options.gcsApiEndpoint } : {}),
    retryOptions: {
      autoRetry: true,
      maxRetries: Math.max(0, options.retry.attempts - 1),
      retryDelayMultiplier: 2,
      // The resumable upload's retry library waits at least 1 s and rejects a smaller maximum.
      maxRetryDelay: Math.max(1, options.retry.maxDelayMs / 1000),
      totalTimeout: Math.max(60, (options.timeoutMs * options.retry.attempts) / 1000),
      // Our writes are idempotent (same object, same bytes), so retry them too, not only conditional ones.
      idempotencyStrategy: IdempotencyStrategy.RetryAlways,
    },
  });
}
