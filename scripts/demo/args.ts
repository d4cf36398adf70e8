import { parseArgs } from 'node:util';
import { PROVIDERS } from '@tranche/adapters';
import { DEFAULT_MODELS, inWords, REAL_PROVIDER_VARIABLES } from './providers';

const DEFAULT_PROVIDER = PROVIDERS[0];

export interface DemoArgs {
  provider: string;
  /** Unset: the provider's default model. */
  model: string | undefined;
  inputs: number;
  yes: boolean;
  help: boolean;
}

export const USAGE = `pnpm demo [-- options]

Runs one batch job end to end through the HTTP API, an in-process worker and (without the provider's key) the
provider emulator, then replays it with the same run_id.

  --provider <name>   ${inWords([`${DEFAULT_PROVIDER} (default)`, ...PROVIDERS.slice(1)])}
  --model <name>      model (default: ${DEFAULT_MODELS})
  --inputs <n>        inputs to submit (default 300, a few of them ~60-100 KB documents)
  --yes, -y           with a real provider key: start without the cost warning's pause
  --help, -h          this text

Environment: DATABASE_URL, REDIS_URL, LOG_LEVEL, and the provider's own variables (unset: the emulator is used):
  ${REAL_PROVIDER_VARIABLES}`;

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
      provider: { type: 'string', default: DEFAULT_PROVIDER },
      model: { type: 'string' },
      inputs: { type: 'string', default: '300' },
      yes: { type: 'boolean', short: 'y', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
