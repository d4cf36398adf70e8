import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/processes';
import { type Stack, startStack } from '../support/stack';

/**
 * `tranche` as a user runs it: a child process (stdin and stderr not a terminal) against a real stack with admin
 * keys, so that budgets and project keys are in play.
 */
const BIN = join(REPO_ROOT, 'packages/cli/src/bin.ts');
const ADMIN_KEY = `cli-admin-${randomBytes(16).toString('hex')}`;
const JOB_OPTIONS = ['--provider', 'openai', '--model', 'gpt-4o-mini', '--owner', 'tests'];
/** Control characters but the line feed: a carriage return or an escape sequence is a terminal's redraw. */
const controlCharacters = (text: string) =>
  [...text].filter((c) => (c < ' ' && c !== '\n') || c === '\u007f').map((c) => c.charCodeAt(0));

let stack: Stack;
let dir: string;

beforeAll(async () => {
  stack = await startStack({ name: 'cli', workers: 1, env: { ADMIN_API_KEYS: ADMIN_KEY } });
  dir = mkdtempSync(join(tmpdir(), 'tranche-cli-'));
});
afterEach(() => stack.emulator.setFaults({}));
afterAll(async () => {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function tranche(args: string[], options: { stdin?: string; apiKey?: string } = {}): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      TRANCHE_URL: stack.apiUrl,
      TRANCHE_API_KEY: options.apiKey ?? ADMIN_KEY,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  child.stdin.end(options.stdin ?? '');
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const jsonl = (inputs: object[]) => inputs.map((input) => JSON.stringify(input)).join('\n');
const documents = (tag: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `${tag}-${i}`, prompt: `Summarise ${tag} document ${i}.` }));
const lines = (text: string) => text.split('\n').filter((line) => line !== '');
const jobIdOf = (stdout: string) => /job ([0-9a-f-]{36})/.exec(stdout)?.[1] ?? '';

describe('tranche submit', () => {
  it('submits a JSONL file, waits with line-based progress, and writes the results to a file', async () => {
    const inputs = documents('jsonl', 12);
    const run = await tranche([
      'submit',
      file('docs.jsonl', `${jsonl(inputs)}\n\n`),
      ...JOB_OPTIONS,
      '--project',
      'cli',
      '--wait',
      '--interval',
      '0.2',
    ]);
    expect(controlCharacters(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    const progress = lines(run.stderr);
    expect(progress.some((line) => line.startsWith('uploading  100%  12 inputs'))).toBe(true);
    expect(progress.filter((line) => line.startsWith('running  ')).length).toBeGreaterThan(0);
    expect(progress.every((line) => /^(uploading|running) {2}/.test(line))).toBe(true);
    expect(run.stdout).toContain('completed');
    expect(run.stdout).toMatch(/succeeded 12 {2}failed 0/);

    const jobId = jobIdOf(run.stdout);
    const out = join(dir, 'results.jsonl');
    const results = await tranche(['results', jobId, '-o', out]);
    expect(results.code).toBe(0);
    expect(results.stdout).toContain(`12 result lines written to ${out}`);
    expect(existsSync(`${out}.partial`)).toBe(false);
    const written = lines(readFileSync(out, 'utf8')).map((line) => JSON.parse(line));
    expect(written.map((result) => result.id)).toEqual(inputs.map((input) => input.id));
    expect(written.every((result) => result.status === 'succeeded')).toBe(true);
  });

  it('submits a CSV file with --json: one JSON document on stdout, no progress', async () => {
    const csv =
      'id,prompt,system\ncsv-0,"Translate: hello, world",\ncsv-1,Translate: goodbye,Answer in French\n';
    const run = await tranche([
      'submit',
      file('docs.csv', csv),
      ...JOB_OPTIONS,
      '--project',
      'cli',
      '--wait',
      '--interval',
      '0.2',
      '--json',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const job = JSON.parse(run.stdout);
    expect(job).toMatchObject({ status: 'completed', reconciliation: { inputs: 2, succeeded: 2 } });

    const results = await tranche(['results', job.job_id]);
    expect(results.code).toBe(0);
    expect(lines(results.stdout).map((line) => JSON.parse(line).id)).toEqual(['csv-0', 'csv-1']);
    const status = await tranche(['status', job.job_id, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ job_id: job.job_id, status: 'completed' });
  });

  it('reads JSONL from stdin, and watch follows the job to its end', async () => {
    const run = await tranche(['submit', '-', ...JOB_OPTIONS, '--project', 'cli', '--json'], {
      stdin: jsonl(documents('stdin', 3)),
    });
    expect(run.code).toBe(0);
    const submitted = JSON.parse(run.stdout);
    expect(submitted).toMatchObject({ inputs: 3, to_send: 3 });
    const watch = await tranche(['watch', submitted.job_id, '--interval', '0.2']);
    expect(controlCharacters(watch.stderr)).toEqual([]);
    expect(watch.code).toBe(0);
    expect(watch.stdout).toContain(`job ${submitted.job_id}  completed`);
  });

  it('exits 2 for a job that finished with failures, whose failed results --failed-only lists', async () => {
    stack.emulator.setFaults({ seed: 5, request_errors: { provider: 'openai', rate: 0.5, status: 400 } });
    const run = await tranche([
      'submit',
      file('failing.jsonl', jsonl(documents('failing', 10))),
      ...JOB_OPTIONS,
      '--project',
      'cli',
      '--max-attempts',
      '1',
      '--wait',
      '--interval',
      '0.2',
      '--json',
    ]);
    expect(run.code).toBe(2);
    const job = JSON.parse(run.stdout);
    expect(job.status).toBe('completed_with_failures');
    expect(job.reconciliation.failed).toBeGreaterThan(0);

    const failed = await tranche(['results', job.job_id, '--failed-only']);
    expect(failed.code).toBe(0);
    const results = lines(failed.stdout).map((line) => JSON.parse(line));
    expect(results).toHaveLength(job.reconciliation.failed);
    expect(
      results.every((result) => result.status === 'failed' && result.error.type === 'invalid_request'),
    ).toBe(true);
  });

  it('exits 3 when the budget refuses the job, for a member key made with tranche keys create', async () => {
    const budget = await tranche(['budgets', 'set', 'tight', '0.000001']);
    expect(budget.code).toBe(0);
    expect(budget.stdout).toContain('tight');
    const created = await tranche(['keys', 'create', 'cli member', '--project', 'tight', '--json']);
    expect(created.code).toBe(0);
    const member = JSON.parse(created.stdout);
    expect(member).toMatchObject({ role: 'member', projects: ['tight'] });

    const run = await tranche(
      ['submit', file('tight.jsonl', jsonl(documents('tight', 4))), ...JOB_OPTIONS, '--project', 'tight'],
      { apiKey: member.key },
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^error: project tight: this job can cost up to .* monthly budget/m);
  });

  it('exits 1 for a bad file or a refused job, naming the line, column or field on stderr', async () => {
    const badLine = await tranche([
      'submit',
      file('bad-line.jsonl', '{"prompt": "fine"}\n{"prompt": \n'),
      ...JOB_OPTIONS,
      '--project',
      'cli',
    ]);
    expect(badLine.code).toBe(1);
    expect(badLine.stderr).toMatch(/bad-line\.jsonl line 2: not valid JSON/);

    const badColumn = await tranche([
      'submit',
      file('bad-column.csv', 'id,prompts\na,hello\n'),
      ...JOB_OPTIONS,
      '--project',
      'cli',
    ]);
    expect(badColumn.code).toBe(1);
    expect(badColumn.stderr).toContain('unknown column "prompts"');

    const refused = await tranche([
      'submit',
      file(
        'refused.jsonl',
        jsonl([
          { id: 'a', prompt: 'fine' },
          { id: 'b', promt: 'typo' },
        ]),
      ),
      ...JOB_OPTIONS,
      '--project',
      'cli',
      '--max-attempts',
      '11',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^ {2}options\.max_attempts: /m);
    expect(refused.stderr).toMatch(/^ {2}inputs\[1\]: .*promt/m);
  });
});

describe('tranche costs, cancel, help and errors as JSON', () => {
  it('documents the exit codes and the environment in --help', async () => {
    const run = await tranche(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('TRANCHE_URL');
    expect(run.stdout).toContain('TRANCHE_API_KEY');
    expect(run.stdout).toMatch(/2 {2}the job finished with failures/);
    expect(run.stdout).toMatch(/3 {2}a budget refused the job/);
  });

  it('prints the costs as CSV: a header row and one row per group', async () => {
    const run = await tranche(['costs', '--window', '24h', '--group-by', 'project,model', '--csv']);
    expect(run.code).toBe(0);
    const [header, ...rows] = run.stdout.trim().split(/\r?\n/);
    expect(header).toBe(
      'project,model,cost_usd,sync_cost_usd,savings_usd,input_tokens,output_tokens,cached_tokens,results,succeeded,failed,unpriced_results',
    );
    expect(rows.some((row) => row.startsWith('cli,gpt-4o-mini,'))).toBe(true);

    const json = await tranche(['costs', '--group-by', 'project', '--json']);
    expect(JSON.parse(json.stdout).groups.map((group: { project: string }) => group.project)).toContain(
      'cli',
    );
  });

  it('says a finished job cannot be cancelled, as a JSON error with --json', async () => {
    const submitted = await tranche(['submit', '-', ...JOB_OPTIONS, '--project', 'cli', '--wait', '--json'], {
      stdin: jsonl(documents('cancel', 1)),
    });
    const jobId = JSON.parse(submitted.stdout).job_id;
    const run = await tranche(['cancel', jobId, '--json']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(JSON.parse(run.stderr)).toMatchObject({
      error: { type: 'already_finished', status: 'completed' },
    });
  });
});
