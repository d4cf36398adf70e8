import type { Command } from 'commander';
import { Option } from 'commander';
import { clientFor } from '../client-options.js';
import { EXIT } from '../exit-codes.js';
import { collectList } from '../option-parsers.js';
import { printJson, printLine, table } from '../output.js';
import { runAction } from '../run-action.js';

interface CreateOptions {
  project: string[];
  role: 'member' | 'viewer';
}

export function registerKeys(program: Command): void {
  const keys = program.command('keys').summary('project API keys: list (default), create, revoke (admins)');
  keys
    .command('list', { isDefault: true })
    .summary('every key, without its secret')
    .action((_options: unknown, command: Command) =>
      runAction(command, async (global) => {
        const list = await clientFor(global).keys.list();
        if (global.json) printJson(list);
        else
          printLine(
            table(
              ['id', 'prefix', 'name', 'role', 'projects', 'last used', 'revoked'],
              list.keys.map((key) => [
                key.id,
                key.prefix,
                key.name,
                key.role,
                key.projects.join(','),
                key.last_used_at ?? '-',
                key.revoked_at ?? '-',
              ]),
            ),
          );
        return EXIT.ok;
      }),
    );
  keys
    .command('create')
    .summary('create a project key; its secret is shown this once')
    .argument('<name>', 'what the key is for, e.g. "contracts team"')
    .requiredOption(
      '--project <projects>',
      'a project the key may use (repeatable, or comma-separated)',
      collectList,
    )
    .addOption(
      new Option('--role <role>', 'member submits and cancels, viewer reads')
        .choices(['member', 'viewer'])
        .default('member'),
    )
    .action((name: string, options: CreateOptions, command: Command) =>
      runAction(command, async (global) => {
        const created = await clientFor(global).keys.create({
          name,
          projects: options.project,
          role: options.role,
        });
        if (global.json) printJson(created);
        else {
          printLine(`key ${created.id} (${created.role} of ${created.projects.join(', ')})`);
          printLine(created.key);
          printLine('Keep it now: it is not shown again.');
        }
        return EXIT.ok;
      }),
    );
  keys
    .command('revoke')
    .summary('revoke a key at once')
    .argument('<id>', 'the key id (from tranche keys)')
    .action((id: string, _options: unknown, command: Command) =>
      runAction(command, async (global) => {
        await clientFor(global).keys.revoke(id);
        if (global.json) printJson({ id, revoked: true });
        else printLine(`key ${id} revoked`);
        return EXIT.ok;
      }),
    );
}
