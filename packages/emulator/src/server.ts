import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { ZodError, z } from 'zod';
import { BlobStore } from './core/blob-store';
import { systemClock } from './core/clock';
import type { FaultConfig, FaultInput } from './core/fault-schema';
import { FaultRegistry } from './core/faults';
import type { EmulatorContext, EmulatorProvider } from './core/provider';
import { Scheduler } from './core/scheduler';
import { type Stats, StatsRegistry } from './core/stats';
import { type WebhookAttempt, type WebhookSender, webhookTargetSchema } from './core/webhook-sender';
import { DEFAULT_PROVIDERS, type ProviderFactory } from './providers';

export interface EmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Length of each batch state in ms (default 1000). */
  stepMs?: number;
  /** Seed for shuffles and fault draws (default 1); a `seed` fault overrides it. */
  seed?: number;
  /** Parent folder for uploads and result files (default: the OS temp folder). */
  dataDir?: string;
  /** The providers to serve (default: all of them, see `providers.ts`). */
  providers?: ProviderFactory[];
}

export interface EmulatorHandle {
  url: string;
  openaiBaseUrl: string;
  /** What points Tranche's clients at the providers served here, e.g. `OPENAI_BASE_URL`. */
  clientEnv: Record<string, string>;
  /** What points a provider SDK's own credential chain at a token endpoint served here (see `credentialEnv`). */
  credentialEnv: Record<string, string>;
  close(): Promise<void>;
  /** Replaces the current faults (`POST /_emulator/faults` merges instead). Throws on a malformed value. */
  setFaults(faults: FaultInput): void;
  /** Clears faults, stats and every provider's files and batches. */
  resetAll(): void;
  stats(): Stats;
  /**
   * Where `provider` (one that sends webhooks: `openai`) POSTs its signed events, as `POST /_emulator/webhooks/<name>`
   * takes it; null stops them. Throws for another provider or a malformed target.
   */
  setWebhooks(provider: string, target: z.input<typeof webhookTargetSchema> | null): void;
  /** Every attempt to deliver `provider`'s webhook events since its target was set, oldest first. */
  webhookAttempts(provider: string): WebhookAttempt[];
}

export interface EmulatorControls {
  faults(): FaultConfig;
  mergeFaults(input: unknown): FaultConfig;
  clearFaults(): void;
  resetAll(): void;
  stats(): Stats;
}

/** The express app: every provider under its prefix, plus `/_emulator/*` for tests. */
export function createEmulatorApp(providers: EmulatorProvider[], controls: EmulatorControls): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  for (const provider of providers) app.use(provider.mountPath, provider.router);

  const admin = express.Router();
  admin.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  admin.get('/stats', (_req, res) => {
    res.json(controls.stats());
  });
  admin.get('/faults', (_req, res) => {
    res.json(controls.faults());
  });
  admin.post('/faults', express.json(), (req, res) => {
    res.json(controls.mergeFaults(req.body ?? {}));
  });
  admin.delete('/faults', (_req, res) => {
    controls.clearFaults();
    res.json(controls.faults());
  });
  // A provider's outgoing webhooks: where they go and with which secret (never shown back), and what was sent.
  const sender = (name: string | undefined) => senderOf(providers, name ?? '');
  admin.get('/webhooks/:provider', (req, res) => {
    res.json(sender(req.params.provider).view());
  });
  admin.post('/webhooks/:provider', express.json(), (req, res) => {
    const webhooks = sender(req.params.provider);
    webhooks.configure(webhookTargetSchema.parse(req.body ?? {}));
    res.json(webhooks.view());
  });
  admin.delete('/webhooks/:provider', (req, res) => {
    const webhooks = sender(req.params.provider);
    webhooks.reset();
    res.json(webhooks.view());
  });
  admin.post('/reset', (_req, res) => {
    controls.resetAll();
    res.json({ status: 'ok' });
  });
  admin.use((_req, res) => {
    res.status(404).json({ error: { message: 'Unknown emulator route.' } });
  });
  admin.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const message =
      err instanceof ZodError ? z.prettifyError(err) : err instanceof Error ? err.message : String(err);
    res.status(400).json({ error: { message } });
  });
  app.use('/_emulator', admin);

  app.use((req, res) => {
    res.status(404).json({ error: { message: `No emulated route for ${req.method} ${req.path}` } });
  });
  return app;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const clock = systemClock;
  const ctx: EmulatorContext = {
    clock,
    scheduler: new Scheduler(clock),
    faults: new FaultRegistry(options.seed ?? 1),
    stats: new StatsRegistry(),
    blobs: await BlobStore.open(options.dataDir),
    stepMs: options.stepMs ?? 1000,
  };
  const providers = (options.providers ?? DEFAULT_PROVIDERS).flatMap((factory) => factory(ctx));
  const resetAll = () => {
    ctx.faults.clear();
    ctx.stats.reset();
    for (const provider of providers) provider.reset();
  };
  const app = createEmulatorApp(providers, {
    faults: () => ctx.faults.current(),
    mergeFaults: (input) => ctx.faults.merge(input),
    clearFaults: () => ctx.faults.clear(),
    resetAll,
    stats: () => ctx.stats.snapshot(),
  });

  const host = options.host ?? '127.0.0.1';
  const server = await listen(app, options.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  const url = `http://${displayHost(host)}:${port}`;

  let closing: Promise<void> | null = null;
  return {
    url,
    openaiBaseUrl: `${url}/openai/v1`,
    clientEnv: Object.assign({}, ...providers.map((provider) => provider.clientEnv(url))),
    credentialEnv: Object.assign({}, ...providers.map((provider) => provider.credentialEnv?.(url) ?? {})),
    close: () => {
      closing ??= (async () => {
        ctx.scheduler.clear();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        await Promise.allSettled(providers.map((provider) => provider.close()));
        ctx.scheduler.clear();
        await ctx.blobs.dispose();
      })();
      return closing;
    },
    setFaults: (faults) => {
      ctx.faults.replace(faults);
    },
    resetAll,
    stats: () => ctx.stats.snapshot(),
    setWebhooks: (provider, target) => {
      const webhooks = senderOf(providers, provider);
      if (target === null) webhooks.reset();
      else webhooks.configure(webhookTargetSchema.parse(target));
    },
    webhookAttempts: (provider) => senderOf(providers, provider).view().attempts,
  };
}

function senderOf(providers: EmulatorProvider[], name: string): WebhookSender {
  const found = providers.find((provider) => provider.name === name)?.webhooks;
  if (!found) throw new Error(`no emulated provider sends webhooks as ${name}`);
  return found;
}

function listen(app: Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(server)));
  });
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
