import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Managed, OUTPUT_DIR } from './processes';

/** A program of this machine (redis-server, pgbouncer) as a managed process, its output kept under test-output/. */
export function startBinary(name: string, command: string, args: string[]): Managed {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const log = createWriteStream(join(OUTPUT_DIR, `${name}.log`), { flags: 'a' });
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  // A program that is missing fails the test that needs it through `exited`, not as an unhandled error.
  child.once('error', (error) => log.write(`${command}: ${error.message}\n`));
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  return {
    name,
    child,
    exited,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      child.kill(signal);
      await exited;
    },
  };
}
