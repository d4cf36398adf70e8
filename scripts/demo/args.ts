import { parseArgs } from 'node:util';

export interface DemoArgs {
  provider: string;
  model: string;
  inputs: number;
  yes: boolean;
  help: boolean;
}

export const USAGE = `pnpm demo [-- options]

Runs one batch job end to end through the HTTP API, an in-process worker and (without OPENAI_API_KEY) the
provider emulator, then replays it with the same run_id.

  --provider <name>   provider to use (default openai)
  --model <name>      model (default gpt-4o-mini)
  --inputs <n>        inputs to submit (default 300, a few of them ~60-100 KB documents)
  --yes, -y           with a real provider key: start without the cost warning's pause
  --help, -h          this text

Environment: DATABASE_URL, REDIS_URL, OPENAI_API_KEY (unset: the emulator is used), OPENAI_BASE_URL, LOG_LEVEL.`;

export class UsageError extends Error {}

export function parseDemoArgs(argv: string[]): DemoArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    // `pnpm demo -- --inputs 50` passes the `--` through on some pnpm versions.
    parsed = parse(argv.filter((a) => a !== '--'));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  const inputs = Number(values.inputs);
  if (!Number.isInteger(inputs) || inputs < 1 || inputs > 100_000) {
    throw new UsageError(`--inputs must be a whole number from 1 to 100000, not "${values.inputs}"`);
  }
  return {
    provider: values.provider.trim().toLowerCase(),
    model: values.model,
    inputs,
    yes: values.yes,
    help: values.help,
  };
}

function parse(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      provider: { type: 'string', default: 'openai' },
      model: { type: 'string', default: 'gpt-4o-mini' },
      inputs: { type: 'string', default: '300' },
      yes: { type: 'boolean', short: 'y', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
