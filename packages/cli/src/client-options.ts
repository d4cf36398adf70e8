import { TrancheClient } from '@tranche/client';
import type { Command } from 'commander';

/** The options every command has (`tranche --url … --api-key … --json <command>`, or after the command). */
export interface GlobalOptions {
  url: string;
  apiKey?: string;
  json: boolean;
}

export function globalOptions(command: Command): GlobalOptions {
  const options = command.optsWithGlobals<Partial<GlobalOptions> & { url: string }>();
  return { ...options, json: options.json ?? false };
}

/** A client for the API at --url / TRANCHE_URL with --api-key / TRANCHE_API_KEY (the flags win). */
export function clientFor(options: GlobalOptions): TrancheClient {
  return new TrancheClient({ url: options.url, ...(options.apiKey ? { apiKey: options.apiKey } : {}) });
}
