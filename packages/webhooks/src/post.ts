import { type LookupAddress, lookup } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, buildConnector, fetch } from 'undici';
import { describeAddress, ipLiteral, isPublicAddress } from './public-address';

/** A connection refused because the receiver's address is not public (and private addresses are not allowed). */
export class NonPublicAddressError extends Error {
  constructor(host: string, addresses: readonly string[]) {
    const where = addresses.map(describeAddress).join(', ');
    super(
      addresses.length === 1 && addresses[0] === host
        ? `refused to connect to ${where}: not a public address`
        : `refused to connect to ${host}: it resolves to ${where}, not a public address`,
    );
    this.name = 'NonPublicAddressError';
  }
}

/**
 * Resolves as the system does and refuses a name with any address that is not public. It runs when the connection
 * is made, so the address connected to is the address checked: a name that resolved to a public address when a job
 * was accepted and to an internal one now (DNS rebinding) is refused here.
 */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  lookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', undefined);
    const refused = addresses.map((a) => a.address).filter((address) => !isPublicAddress(address));
    if (refused.length > 0) return callback(new NonPublicAddressError(hostname, refused), '', undefined);
    if (options.all) return callback(null, addresses);
    const [first] = addresses;
    return callback(null, first?.address ?? '', first?.family);
  });
};

/** A connector that reaches public addresses only: an IP literal is checked here, as no lookup runs for it. */
function publicOnlyConnector(): buildConnector.connector {
  const connect = buildConnector({ lookup: publicOnlyLookup });
  return (options, callback) => {
    const literal = ipLiteral(options.hostname);
    if (literal && !isPublicAddress(literal)) {
      callback(new NonPublicAddressError(literal, [literal]), null);
      return;
    }
    connect(options, callback);
  };
}

let publicOnlyAgent: Agent | undefined;
let anyAddressAgent: Agent | undefined;

/** The dispatcher webhooks go through: public addresses only, unless private ones are allowed. */
function agentFor(allowPrivate: boolean): Agent {
  if (allowPrivate) {
    anyAddressAgent ??= new Agent();
    return anyAddressAgent;
  }
  publicOnlyAgent ??= new Agent({ connect: publicOnlyConnector() });
  return publicOnlyAgent;
}

export interface WebhookRequest {
  url: string;
  /** The JSON body, exactly as signed. */
  body: string;
  /** Sent as they are, over `content-type: application/json` and Tranche's user agent. */
  headers: Record<string, string>;
  timeoutMs: number;
  /** Connect to loopback, private, link-local and other non-public addresses too. */
  allowPrivate: boolean;
}

export class WebhookError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookError';
  }
}

/** Where a webhook goes, for logs: the URL's origin only (a path or query may carry a token). */
export function webhookOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

/** Why a request got no answer: the socket's code or message, never fetch's own message, which may quote the URL. */
function reason(error: unknown): string {
  if (!(error instanceof Error)) return 'failed';
  const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? error.name;
}

/** One POST. Anything but a 2xx answer in time (redirects included) throws, so the queue retries it. */
export async function postWebhook(request: WebhookRequest): Promise<number> {
  const origin = webhookOrigin(request.url);
  const url = URL.parse(request.url);
  // fetch also reads data: and blob: URLs, without a connection to guard.
  if (!/^https?:$/.test(url?.protocol ?? '')) {
    throw new WebhookError(`not sent to ${origin}: not an http or https URL`);
  }
  // fetch refuses them with an error that quotes the whole URL, password included: never let it.
  if (url?.username || url?.password) {
    throw new WebhookError(`not sent to ${origin}: the URL carries a user name or password`);
  }
  let response: Awaited<ReturnType<typeof fetch>>;
  try {
    response = await fetch(request.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'tranche-webhooks/1',
        ...request.headers,
      },
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
      dispatcher: agentFor(request.allowPrivate),
    });
  } catch (error) {
    const cause = error instanceof Error ? error.cause : undefined;
    if (cause instanceof NonPublicAddressError)
      throw new WebhookError(`not sent to ${origin}: ${cause.message}`);
    throw new WebhookError(`no answer from ${origin}: ${reason(error)}`);
  }
  await response.body?.cancel();
  if (response.status < 200 || response.status > 299) {
    throw new WebhookError(`${origin} answered HTTP ${response.status}`);
  }
  return response.status;
}
