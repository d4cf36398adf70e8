import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { clientFor, waitOptions } from '../support/client';
import { chatJob, expectReconciled } from '../support/jobs';
import { freePort } from '../support/ports';
import { REPO_ROOT } from '../support/processes';
import { type Stack, startStack } from '../support/stack';
import { waitFor } from '../support/wait';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ name: 'graceful', workers: 1 });
});
afterAll(async () => {
  await stack?.stop();
});

/** pnpm as the user runs it: the one running these tests when pnpm started them (it sets npm_execpath), else PATH's. */
function pnpmCommand(): [string, string[]] {
  const execPath = process.env.npm_execpath ?? '';
  if (!/pnpm/.test(execPath)) return ['pnpm', []];
  return /\.c?js$/.test(execPath) ? [process.execPath, [execPath]] : [execPath, []];
}

/** The stack's environment under a queue prefix of its own, so an extra process takes none of the stack's work. */
function stackEnv(): Record<string, string> {
  return { ...stack.env, QUEUE_PREFIX: `${stack.prefix}-extra`, LOG_LEVEL: 'info' };
}

function collectOutput(child: ChildProcess): () => string {
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => output;
}

/** The Dockerfile's CMD, in its exec form. */
function dockerfileCommand(): string[] {
  const line = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('CMD '));
  return JSON.parse(line?.slice(4) ?? '[]');
}

function composeCommand(service: 'api' | 'worker'): string[] {
  return parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8')).services[service].command;
}

describe('a stop signal', () => {
  it.each([
    ['the Docker image (the API)', () => dockerfileCommand()],
    ['compose (the API)', () => composeCommand('api')],
    ['compose (the worker)', () => composeCommand('worker')],
  ])('reaches the process %s starts, which drains and exits 0', async (_what, command) => {
    const [program, ...args] = command();
    // Docker and compose signal PID 1 alone: the command must be the process that handles it, not a launcher.
    expect(program).toBe('node');
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env: { ...stackEnv(), PORT: String(await freePort()) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = collectOutput(child);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await waitFor('it to start', async () => /"(worker started|api listening)"/.test(output()), {
      timeoutMs: 30_000,
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('reaches the worker of `pnpm start:worker` when its process group is signalled, as a terminal or a service manager does', async () => {
    const [command, prefix] = pnpmCommand();
    const child = spawn(command, [...prefix, 'start:worker'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...stackEnv() },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const output = collectOutput(child);
    const groupGone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await waitFor('the worker to start', async () => output().includes('"worker started"'), {
      timeoutMs: 30_000,
    }).catch((error: Error) => {
      throw new Error(`${error.message}; it printed: ${output()}`);
    });
    process.kill(-(child.pid as number), 'SIGTERM');
    await groupGone;
    // pnpm may go first; the worker's own log says it closed its queues and connections.
    await waitFor('the worker to log its stop', async () => output().includes('"worker stopped"'), {
      timeoutMs: 35_000,
    });
    expect(output()).not.toContain('shutdown took longer than');
  });

  it('stops a worker mid-job without losing or repeating work: another worker finishes the job', async () => {
    stack.emulator.resetAll();
    stack.emulator.setFaults({ slow_factor: 10 });
    const api = clientFor(stack);
    const { job_id: jobId } = await api.submit(chatJob(200));
    await waitFor('the batch to be at the provider', async () => {
      const [row] = await stack.sql<{ n: number }[]>`
        select count(*)::int as n from provider_batches where job_id = ${jobId} and state = 'submitted'`;
      return row?.n === 1;
    });
    const [worker] = stack.workers;
    await worker?.kill('SIGTERM');
    // 0, not the 1 of the 30 s deadline: it let go of its work in time.
    expect(await worker?.exited).toBe(0);
    stack.emulator.setFaults({});
    stack.startWorker();
    const view = await api.wait(jobId, waitOptions());
    expect(view.status).toBe('completed');
    expectReconciled(view.reconciliation);
    expect(stack.emulator.stats().openai).toMatchObject({ batches: 1, requests: 200 });
  });

  it('lets the API finish the request it is reading before it exits', async () => {
    const job = chatJob(3);
    const head = JSON.stringify({ ...job, inputs: undefined });
    const url = new URL('/v1/jobs', stack.apiUrl);
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        url,
        { method: 'POST', headers: { 'content-type': 'application/x-ndjson' } },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => {
            body += chunk.toString();
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      // Half the body now, the rest once the API has been told to stop.
      req.write(`${head}\n${JSON.stringify(job.inputs[0])}\n`);
      sleep(300).then(async () => {
        const stopping = stack.api.kill('SIGTERM');
        await sleep(300);
        req.end(`${JSON.stringify(job.inputs[1])}\n${JSON.stringify(job.inputs[2])}\n`);
        await stopping;
      }, reject);
    });
    const { status, body } = await answer;
    expect(status).toBe(202);
    expect(JSON.parse(body)).toMatchObject({ inputs: 3 });
    expect(await stack.api.exited).toBe(0);
  });
});
