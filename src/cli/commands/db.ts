// `tickflow db`: apply, undo or list schema migrations; derive the bar context of bars stored without it.
import { z } from 'zod';
import { InputError } from '../../contracts/errors';
import { migrateDatabase } from '../../db/migrate';
import { BarContextRepository } from '../../repositories/bar-context-repository';
import { MigrationRepository } from '../../repositories/migration-repository';
import type { Runtime } from '../../runtime';
import { checkFlag, parse } from '../args';
import { out, usage, withRuntime, type Command } from '../context';

const CONTEXT_BATCH = 50;

const help = `Usage: tickflow db migrate [--rules-role NAME] [--runtime-role NAME] [--json]
       tickflow db revert|status|context [--json]

  migrate   apply every pending migration, then ensure the roles Tickflow runs with: the rules role custom
            quality rules run as (NOLOGIN, SELECT on market data only; --rules-role or TICKFLOW_RULES_ROLE,
            default tickflow_rules) and, when named (--runtime-role or TICKFLOW_RUNTIME_ROLE), the runtime
            role workers connect as (DML on Tickflow's tables, no DDL; its password only from
            TICKFLOW_RUNTIME_ROLE_PASSWORD). Connects as TICKFLOW_MIGRATION_DATABASE_URL when set, else
            DATABASE_URL. See docs/security.md
  revert    undo the most recent migration
  status    list migrations and whether each is applied
  context   derive the bar context of every bar stored without it (bars from before the context
            migration, or written outside the importer), ${CONTEXT_BATCH} symbols per transaction;
            the quality stage would otherwise do it for its scope on its first run`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' }, 'rules-role': { type: 'string' }, 'runtime-role': { type: 'string' } }, 'db');
  const action = positionals[0];
  if (values.help || !action) return usage(help, values.help);
  if (!['migrate', 'revert', 'status', 'context'].includes(action)) {
    throw new InputError(`unknown action "${action}" (migrate, revert, status or context)`, 'tickflow db');
  }
  if (action !== 'migrate' && (values['rules-role'] !== undefined || values['runtime-role'] !== undefined)) {
    throw new InputError('--rules-role and --runtime-role go with migrate', `tickflow db ${action}`);
  }
  const role = (flag: 'rules-role' | 'runtime-role') => values[flag] === undefined ? undefined
    : checkFlag(z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a role name: lower-case letters, digits and "_", at most 63'), flag, values[flag], 'tickflow db migrate');
  const rulesRole = role('rules-role');
  const runtimeRole = role('runtime-role');
  return withRuntime({ asMigrationRole: true }, async ({ dataSource, config }) => {
    if (action === 'migrate') {
      const runtimeName = runtimeRole ?? config.runtimeRole.name;
      const r = await migrateDatabase(dataSource, {
        rulesRole: rulesRole ?? config.customRules.role,
        runtimeRole: runtimeName ? { name: runtimeName, password: config.runtimeRole.password } : undefined,
      }, { strict: true });
      if (values.json) out(JSON.stringify(r));
      else {
        out(r.applied.length ? `applied: ${r.applied.join(', ')}` : 'schema is up to date');
        const password = config.runtimeRole.password ? 'password set from TICKFLOW_RUNTIME_ROLE_PASSWORD' : 'password unchanged';
        out(`roles: rules ${r.roles.rules}${r.roles.runtime ? `, runtime ${r.roles.runtime} (${password})` : ''}`);
      }
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
