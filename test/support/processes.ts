import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OUTPUT_DIR = join(REPO_ROOT, 'test-output');

export interface Managed {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts a TypeScript entry point of the repo as a real process, its output kept under test-output/. */
export function startProcess(
  name: string,
  entry: string,
  env: Record<string, string>,
  nodeFlags: string[] = [],
): Managed {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const log = createWriteStream(join(OUTPUT_DIR, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', join(REPO_ROOT, entry)], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    name,
    child,
    exited,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}
