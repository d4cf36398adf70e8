import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/processes';
import { type Stack, startStack } from '../support/stack';

const run = promisify(execFile);
const CLIENT_DIR = join(REPO_ROOT, 'packages/client');

let stack: Stack;
let packDir: string;
let project: string;
let tarball: string;

beforeAll(async () => {
  stack = await startStack({ name: 'client-packed', workers: 1 });
  packDir = mkdtempSync(join(tmpdir(), 'tranche-client-pack-'));
  // Outside the repository: nothing of the workspace can be resolved from there.
  project = mkdtempSync(join(tmpdir(), 'tranche-client-user-'));
  // The build adds to dist/: what an earlier build left there must not be packed.
  rmSync(join(CLIENT_DIR, 'dist'), { recursive: true, force: true });
  await run('pnpm', ['--filter', '@tranche/client', 'pack', '--pack-destination', packDir], {
    cwd: REPO_ROOT,
  });
  tarball = join(packDir, readdirSync(packDir).find((name) => name.endsWith('.tgz'))!);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  for (const dir of [packDir, project]) if (dir) rmSync(dir, { recursive: true, force: true });
});

it('packs the built JavaScript and its declarations, no sources, with a package.json pointing at them', async () => {
  const { stdout: listing } = await run('tar', ['-tzf', tarball]);
  const files = listing.trim().split('\n');
  expect(files).toEqual(
    expect.arrayContaining([
      'package/package.json',
      'package/README.md',
      'package/dist/index.js',
      'package/dist/index.d.ts',
      'package/dist/generated/openapi.d.ts',
    ]),
  );
  expect(files.filter((file) => !file.startsWith('package/dist/') && !/^package\/[^/]+$/.test(file))).toEqual(
    [],
  );
  expect(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);

  const { stdout } = await run('tar', ['-xOzf', tarball, 'package/package.json']);
  const manifest = JSON.parse(stdout);
  expect(manifest.exports).toEqual({ '.': { types: './dist/index.d.ts', default: './dist/index.js' } });
  expect(manifest.types).toBe('./dist/index.d.ts');
  expect(Object.keys(manifest.dependencies)).toEqual(['standardwebhooks']);
  expect(JSON.stringify(manifest)).not.toContain('workspace:');
});

it('installs with npm into an empty project outside the workspace, and runs a job from a plain .mjs program', async () => {
  await run('npm', ['init', '-y'], { cwd: project });
  await run('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: project });
  copyFileSync(join(REPO_ROOT, 'test/client/support/packed-program.mjs'), join(project, 'program.mjs'));

  const { stdout } = await run(process.execPath, ['program.mjs'], {
    cwd: project,
    env: { PATH: process.env.PATH ?? '', TRANCHE_URL: stack.apiUrl },
  });
  expect(JSON.parse(stdout)).toEqual({
    status: 'completed',
    sawFinish: true,
    results: [
      { id: 'a', status: 'succeeded' },
      { id: 'b', status: 'succeeded' },
    ],
    notFound: { isTrancheError: true, name: 'NotFoundError', status: 404 },
    incompleteIsTranche: true,
  });

  // Its declarations stand alone: a TypeScript program there type-checks against them (the repository's tsc).
  writeFileSync(
    join(project, 'check.mts'),
    [
      "import { TrancheClient, type JobView, type JobResult, ValidationError } from '@tranche/client';",
      "const client = new TrancheClient({ url: 'http://localhost:3000', apiKey: 'trk_x' });",
      "const job: JobView = await client.get('id');",
      'for await (const r of client.results(job.job_id)) { const line: JobResult = r; console.log(line.custom_id); }',
      'const problems = (e: ValidationError) => e.problems.map((p) => p.field);',
      'console.log(problems);',
      '',
    ].join('\n'),
  );
  const compilerOptions = {
    noEmit: true,
    strict: true,
    module: 'nodenext',
    target: 'es2022',
    lib: ['es2023', 'dom'],
    types: [],
  };
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['check.mts'] }));
  const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
  const check = await run(process.execPath, [tsc, '-p', '.'], { cwd: project }).catch(
    (error: { stdout: string }) => error,
  );
  expect(check.stdout).toBe('');
}, 120_000);
