import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runMigrations } from '@tranche/db';
import { TEST_ADMIN_URL } from '@tranche/db/testing';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/processes';

function migrationCount(): number {
  const journal = JSON.parse(readFileSync(join(REPO_ROOT, 'packages/db/drizzle/meta/_journal.json'), 'utf8'));
  return journal.entries.length;
}

function runEntry(entry: string, env: Record<string, string>, args: string[] = [], timeout = 60_000) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, entry), ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    encoding: 'utf8',
    timeout,
  });
}

/** `runEntry`, without blocking: the refusals below start their processes side by side. */
function runEntryAsync(entry: string, env: Record<string, string>) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, entry)],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
        encoding: 'utf8',
        timeout: 60_000,
      },
      (_error, stdout, stderr) => resolve({ status: child.exitCode, stdout, stderr }),
    );
  });
}

// Each refusal is a process of its own that loads its app and exits: they run concurrently.
describe.concurrent('configuration is validated at start', () => {
  it.for([
    ['apps/worker/src/main.ts', { DATABASE_URL: 'mysql://nope' }, 'DATABASE_URL'],
    ['apps/worker/src/main.ts', { SWEEP_INTERVAL_S: 'often' }, 'SWEEP_INTERVAL_S'],
    ['apps/worker/src/main.ts', { PRICES_FILE: join(REPO_ROOT, 'package.json') }, 'PRICES_FILE'],
    ['apps/producer/src/main.ts', { PRICES_FILE: '/nonexistent/prices.json' }, 'PRICES_FILE'],
    ['apps/producer/src/main.ts', { PORT: '70000' }, 'PORT'],
    ['apps/producer/src/main.ts', { REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL'],
    // On a Redis Cluster the queue prefix needs a hash tag (docs/scaling.md).
    ['apps/worker/src/main.ts', { REDIS_CLUSTER_NODES: 'redis://127.0.0.1:7000' }, 'QUEUE_PREFIX'],
    ['packages/emulator/src/main.ts', { EMULATOR_STEP_MS: '-5' }, 'EMULATOR_STEP_MS'],
  ] as const)('%s refuses %o, naming the variable', async ([entry, env, variable], { expect }) => {
    const result = await runEntryAsync(entry, env as Record<string, string>);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(variable);
  });

  it('never echoes a secret it was given', async ({ expect }) => {
    const result = await runEntryAsync('apps/worker/src/main.ts', {
      OPENAI_API_KEY: 'sk-live-very-secret',
      DATABASE_URL: 'nope',
    });
    expect(result.status).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).not.toContain('sk-live-very-secret');
  });
});

describe('migrations', () => {
  it('run once on a fresh database even when several processes start together', async () => {
    const name = `tranche_migrate_${process.pid}_${Date.now()}`;
    const admin = postgres(TEST_ADMIN_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const url = new URL(TEST_ADMIN_URL);
    url.pathname = `/${name}`;
    try {
      // An empty database: three processes booting together must take turns, not race on the same DDL.
      await Promise.all([
        runMigrations(url.toString()),
        runMigrations(url.toString()),
        runMigrations(url.toString()),
      ]);
      const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`;
      const [table] = await sql<
        { n: number }[]
      >`select count(*)::int as n from information_schema.tables where table_name = 'jobs'`;
      await sql.end();
      expect(row?.n).toBe(migrationCount());
      expect(table?.n).toBe(1);
    } finally {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});

/**
 * What the demo says reached the emulator of `label`, checked against its own reconciliation report: every
 * distinct request once, plus each retried one again (the demo's fault fails a request at most once), and
 * nothing for the replay.
 */
function expectEmulatorCounts(stdout: string, label: string): void {
  const submitted = Number(/submitted\s+(\d+)\s+distinct requests/.exec(stdout)?.[1]);
  const retried = Number(/succeeded\s+\d+\s+\((\d+) after a retry\)/.exec(stdout)?.[1] ?? 0);
  const counted = new RegExp(
    `the ${label} emulator received (-?\\d+) requests in (-?\\d+) batch(?:es)? for the job \\((-?\\d+) of them retries\\), then (-?\\d+) for the replay`,
  ).exec(stdout);
  expect(counted, stdout).not.toBeNull();
  const [received, batches, retries, replay] = counted!.slice(1).map(Number);
  expect(submitted).toBeGreaterThan(0);
  expect(received).toBe(submitted + retried);
  expect(retries).toBe(retried);
  expect(batches).toBeGreaterThanOrEqual(1);
  expect(replay).toBe(0);
}

describe('the demo', () => {
  it('runs a batch through the emulator and ends with a reconciliation that adds up', () => {
    const result = runEntry('scripts/demo.ts', { CI: 'true' }, ['--inputs', '40'], 120_000);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/check\s+\d+ = \d+ \+ \d+ \+ \d+\s+OK/);
    expect(result.stdout).toContain('skipped_done');
    // The dry run before, and the cost after: gpt-4o-mini is priced, so neither is unpriced.
    expect(result.stdout).toMatch(/worst case\s+\$\d+\.\d{6}\s+at batch rates/);
    expect(result.stdout).toMatch(/saved\s+\$\d+\.\d{6}/);
    expect(result.stdout).not.toContain('unpriced');
    expectEmulatorCounts(result.stdout, 'OpenAI');
  });

  it("counts what reached the emulator of the provider it runs, not OpenAI's", () => {
    const result = runEntry(
      'scripts/demo.ts',
      { CI: 'true' },
      ['--provider', 'anthropic', '--inputs', '20'],
      120_000,
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/check\s+20 = 20 \+ 0 \+ 0\s+OK/);
    expectEmulatorCounts(result.stdout, 'Anthropic');
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'));

  it('runs Postgres, Redis with AOF and noeviction, the API and a scalable worker', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'postgres', 'redis', 'worker']);
    const redis = compose.services.redis.command.join(' ');
    expect(redis).toContain('--appendonly yes');
    expect(redis).toContain('--maxmemory-policy noeviction');
    expect(compose.services.worker.container_name).toBeUndefined();
    expect(compose.services.worker.ports).toBeUndefined();
    // node itself, as `pnpm start:*` runs it: pnpm would swallow the stop signal (test/faults/graceful-stop.test.ts).
    const rootScripts = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).scripts;
    expect(compose.services.worker.command.join(' ')).toBe(rootScripts['start:worker']);
    expect(compose.services.api.command.join(' ')).toBe(rootScripts['start:api']);
    for (const app of ['api', 'worker']) {
      expect(compose.services[app].environment.DATABASE_URL).toContain('@postgres:5432/');
      expect(compose.services[app].environment.REDIS_URL).toBe('redis://redis:6379');
    }
  });
});
