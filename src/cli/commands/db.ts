// `tickflow db`: apply, undo or list schema migrations; derive the bar context of bars stored without it.
import { InputError } from '../../contracts/errors';
import { BarContextRepository } from '../../repositories/bar-context-repository';
import { MigrationRepository } from '../../repositories/migration-repository';
import type { Runtime } from '../../runtime';
import { parse } from '../args';
import { out, usage, withRuntime, type Command } from '../context';

const CONTEXT_BATCH = 50;

const help = `Usage: tickflow db migrate|revert|status|context [--json]

  migrate   apply every pending migration
  revert    undo the most recent migration
  status    list migrations and whether each is applied
  context   derive the bar context of every bar stored without it (bars from before the context
            migration, or written outside the importer), ${CONTEXT_BATCH} symbols per transaction;
            the quality stage would otherwise do it for its scope on its first run`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, 'db');
  const action = positionals[0];
  if (values.help || !action) return usage(help, values.help);
  if (!['migrate', 'revert', 'status', 'context'].includes(action)) {
    throw new InputError(`unknown action "${action}" (migrate, revert, status or context)`, 'tickflow db');
  }
  return withRuntime({}, async ({ dataSource }) => {
    if (action === 'migrate') {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      values.json ? out(JSON.stringify({ applied: applied.map((m) => m.name) })) : out(applied.length ? `applied: ${applied.map((m) => m.name).join(', ')}` : 'schema is up to date');
    } else if (action === 'revert') {
      const before = await new MigrationRepository(dataSource).applied();
      await dataSource.undoLastMigration({ transaction: 'each' });
      const reverted = before.at(-1) ?? null;
      values.json ? out(JSON.stringify({ reverted })) : out(reverted ? `reverted: ${reverted}` : 'nothing to revert');
    } else if (action === 'context') {
      const derived = await deriveAllContext(dataSource, values.json ? () => {} : out);
      values.json ? out(JSON.stringify({ derived })) : out(`bar context derived for ${derived} bars`);
    } else {
      const applied = new Set(await new MigrationRepository(dataSource).applied());
      const rows = dataSource.migrations.map((m) => ({ name: m.name ?? m.constructor.name, applied: applied.has(m.name ?? m.constructor.name) }));
      values.json ? out(JSON.stringify(rows)) : rows.forEach((r) => out(`${r.applied ? '[x]' : '[ ]'} ${r.name}`));
    }
    return 0;
  }, Boolean(values.json));
}

/** Small transactions: each holds its symbols' import locks only while it derives them. */
async function deriveAllContext(ds: Runtime['dataSource'], progress: (line: string) => void): Promise<number> {
  const prices = new BarContextRepository(ds);
  let derived = 0;
  for (const { interval, symbols } of await prices.seriesWithoutContext()) {
    for (let i = 0; i < symbols.length; i += CONTEXT_BATCH) {
      const batch = symbols.slice(i, i + CONTEXT_BATCH);
      derived += await ds.transaction((em) => prices.deriveContext(em, batch, interval));
      progress(`${interval}: ${Math.min(i + CONTEXT_BATCH, symbols.length)}/${symbols.length} symbols, ${derived} bars derived`);
    }
  }
  return derived;
}

export const dbCommand: Command = { name: 'db', summary: 'apply, undo the last, or list schema migrations; derive missing bar context', help, actions: ['migrate', 'revert', 'status', 'context'], run };
