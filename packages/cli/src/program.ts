import { createRequire } from 'node:module';
import { Command, Option } from 'commander';
import { registerBudgets } from './commands/budgets.js';
import { registerCancel } from './commands/cancel.js';
import { registerCosts } from './commands/costs.js';
import { registerKeys } from './commands/keys.js';
import { registerResults } from './commands/results.js';
import { registerStatus } from './commands/status.js';
import { registerSubmit } from './commands/submit.js';
import { registerWatch } from './commands/watch.js';
import { EXIT_CODES_HELP } from './exit-codes.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

export const DEFAULT_URL = 'http://localhost:3000';

const MORE_HELP = `
Environment:
  TRANCHE_URL      the API's URL (default ${DEFAULT_URL}); --url wins
  TRANCHE_API_KEY  the key sent as Authorization: Bearer; --api-key wins

${EXIT_CODES_HELP}

Examples:
  tranche submit docs.jsonl --provider openai --model gpt-4o-mini --project contracts --wait
  tranche results <job> -o results.jsonl
  tranche costs --window 7d --group-by project,model --csv`;

/** `tranche` and its commands; the global options are taken before or after the command. */
export function buildProgram(): Command {
  const program = new Command('tranche')
    .description('The command line of Tranche: LLM batch jobs through the providers’ batch APIs.')
    .version(version)
    .addOption(new Option('--url <url>', "the API's URL").env('TRANCHE_URL').default(DEFAULT_URL))
    .addOption(new Option('--api-key <key>', 'the API key').env('TRANCHE_API_KEY'))
    .option('--json', 'machine-readable JSON on stdout only, no progress (errors as JSON on stderr)')
    .showHelpAfterError('(tranche --help for usage)')
    .addHelpText('after', MORE_HELP);
  registerSubmit(program);
  registerStatus(program);
  registerWatch(program);
  registerResults(program);
  registerCancel(program);
  registerCosts(program);
  registerBudgets(program);
  registerKeys(program);
  return program;
}
