import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import type { JobHeader } from '@tranche/client';
import { InputFileError } from '../inputs/input-file-error.js';

/** The options of `submit` that make the job's header (everything but its inputs). */
export interface HeaderOptions {
  provider: string;
  model: string;
  kind?: string;
  project: string;
  owner?: string;
  environment?: string;
  runId?: string;
  tag?: Record<string, string>;
  system?: string;
  maxTokens?: number;
  temperature?: number;
  schema?: string;
  schemaName?: string;
  maxAttempts?: number;
  timeoutH?: number;
  webhookUrl?: string;
}

/** The job's owner when --owner is not given: the user at the terminal. */
export function defaultOwner(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

async function readSchema(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputFileError(
      `--schema ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new InputFileError(`--schema ${path}: not valid JSON (${(error as Error).message})`);
  }
}

/** Leaves out what was not given, so that the API applies its defaults (and validates what was). */
function defined<T extends Record<string, unknown>>(object: T): Partial<T> | undefined {
  const entries = Object.entries(object).filter(([, value]) => value !== undefined);
  return entries.length > 0 ? (Object.fromEntries(entries) as Partial<T>) : undefined;
}

/**
 * The job header the options describe. Values are passed on as given (a provider the API does not know included):
 * the API checks them and names each field it refuses.
 */
export async function jobHeader(options: HeaderOptions): Promise<JobHeader> {
  const params = defined({ max_tokens: options.maxTokens, temperature: options.temperature });
  const defaults = defined({ system: options.system, params });
  const output = options.schema
    ? {
        schema: await readSchema(options.schema),
        ...(options.schemaName ? { name: options.schemaName } : {}),
      }
    : undefined;
  const jobOptions = defined({
    max_attempts: options.maxAttempts,
    timeout_h: options.timeoutH,
    webhook_url: options.webhookUrl,
  });
  return {
    provider: options.provider as JobHeader['provider'],
    model: options.model,
    ...(options.kind ? { kind: options.kind as JobHeader['kind'] } : {}),
    ...(defaults ? { defaults } : {}),
    ...(output ? { output } : {}),
    metadata: {
      project: options.project,
      owner: options.owner ?? defaultOwner(),
      ...(options.environment ? { environment: options.environment } : {}),
      ...(options.runId ? { run_id: options.runId } : {}),
      ...(options.tag ? { tags: options.tag } : {}),
    },
    ...(jobOptions ? { options: jobOptions } : {}),
  };
}
