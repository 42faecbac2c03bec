// `tickflow db`: apply, undo or list schema migrations.
import { InputError } from '../../errors';
import type { Runtime } from '../../runtime';
import { parse } from '../args';
import { out, withRuntime, type Command } from '../context';

const help = `Usage: tickflow db migrate|revert|status [--json]

  migrate   apply every pending migration
  revert    undo the most recent migration
  status    list migrations and whether each is applied`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, 'db');
  const action = positionals[0];
  if (values.help || !action) return out(help), action ? 0 : 2;
  if (!['migrate', 'revert', 'status'].includes(action)) throw new InputError(`unknown action "${action}" (migrate, revert or status)`, 'tickflow db');
  return withRuntime({}, async ({ dataSource }) => {
    if (action === 'migrate') {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      values.json ? out(JSON.stringify({ applied: applied.map((m) => m.name) })) : out(applied.length ? `applied: ${applied.map((m) => m.name).join(', ')}` : 'schema is up to date');
    } else if (action === 'revert') {
      const before = await appliedMigrations(dataSource);
      await dataSource.undoLastMigration({ transaction: 'each' });
      const reverted = before.at(-1) ?? null;
      values.json ? out(JSON.stringify({ reverted })) : out(reverted ? `reverted: ${reverted}` : 'nothing to revert');
    } else {
      const applied = new Set(await appliedMigrations(dataSource));
      const rows = dataSource.migrations.map((m) => ({ name: m.name ?? m.constructor.name, applied: applied.has(m.name ?? m.constructor.name) }));
      values.json ? out(JSON.stringify(rows)) : rows.forEach((r) => out(`${r.applied ? '[x]' : '[ ]'} ${r.name}`));
    }
    return 0;
  }, Boolean(values.json));
}

async function appliedMigrations(ds: Runtime['dataSource']): Promise<string[]> {
  const exists = await ds.query(`SELECT to_regclass('tickflow_migrations') IS NOT NULL AS e`);
  if (!exists[0].e) return [];
  return (await ds.query(`SELECT name FROM tickflow_migrations ORDER BY id`)).map((r: { name: string }) => r.name);
}

export const dbCommand: Command = { name: 'db', summary: 'apply, undo the last, or list schema migrations', help, run };
