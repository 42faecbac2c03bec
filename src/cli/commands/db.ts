// `tickflow db`: apply, undo or list schema migrations; derive the bar context of bars stored without it.
import { z } from 'zod';
import { InputError } from '../../contracts/errors';
import { migrateDatabase } from '../../db/migrate';
import { BarContextRepository } from '../../repositories/bar-context-repository';
import { MigrationRepository } from '../../repositories/migration-repository';
import { PARTITIONED_YEARS, PartitionRepository } from '../../repositories/partition-repository';
import type { Runtime } from '../../runtime';
import { checkFlag, parse } from '../args';
import { out, usage, withRuntime, type Command } from '../context';

const CONTEXT_BATCH = 50;
const ACTIONS = ['migrate', 'partitions', 'revert', 'status', 'context'];
/** A year or an inclusive span of years, as --ensure takes them. */
const YEARS = z.string().regex(/^\d{4}(:\d{4})?$/, 'expected a year or FROM:TO years, e.g. 2027 or 2020:2027')
  .transform((v) => { const [from, to = from] = v.split(':').map(Number); return { from, to }; })
  .refine((r) => r.from <= r.to, 'the first year comes after the last');

const help = `Usage: tickflow db migrate [--rules-role NAME] [--runtime-role NAME] [--json]
       tickflow db partitions [--ensure YEAR[:YEAR]] [--json]
       tickflow db revert|status|context [--json]

  migrate   apply every pending migration, then ensure the roles Tickflow runs with: the rules role custom
            quality rules run as (NOLOGIN, SELECT on market data only; --rules-role or TICKFLOW_RULES_ROLE,
            default tickflow_rules) and, when named (--runtime-role or TICKFLOW_RUNTIME_ROLE), the runtime
            role workers connect as (DML on Tickflow's tables, no DDL; its password only from
            TICKFLOW_RUNTIME_ROLE_PASSWORD). Connects as TICKFLOW_MIGRATION_DATABASE_URL when set, else
            DATABASE_URL. See docs/security.md
  partitions  list the year partitions of price_data and feature_data (rows as the statistics estimate
            them, bytes with indexes) and the years whose rows wait in the DEFAULT partition; --ensure makes
            the partitions of those years (2027, or 2020:2027), moving their rows out of DEFAULT. Imports make
            their range's years themselves. See docs/scale.md#physical-layout-partitioned-by-year
  revert    undo the most recent migration
  status    list migrations and whether each is applied
  context   derive the bar context of every bar stored without it (bars from before the context
            migration, or written outside the importer), ${CONTEXT_BATCH} symbols per transaction;
            the quality stage would otherwise do it for its scope on its first run`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    json: { type: 'boolean' }, 'rules-role': { type: 'string' }, 'runtime-role': { type: 'string' }, ensure: { type: 'string' },
  }, 'db');
  const action = positionals[0];
  if (values.help || !action) return usage(help, values.help);
  if (!ACTIONS.includes(action)) throw new InputError(`unknown action "${action}" (${ACTIONS.join(', ')})`, 'tickflow db');
  if (action !== 'migrate' && (values['rules-role'] !== undefined || values['runtime-role'] !== undefined)) {
    throw new InputError('--rules-role and --runtime-role go with migrate', `tickflow db ${action}`);
  }
  const role = (flag: 'rules-role' | 'runtime-role') => values[flag] === undefined ? undefined
    : checkFlag(z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a role name: lower-case letters, digits and "_", at most 63'), flag, values[flag], 'tickflow db migrate');
  if (action !== 'partitions' && values.ensure !== undefined) throw new InputError('--ensure goes with partitions', `tickflow db ${action}`);
  const ensure = values.ensure === undefined ? undefined : checkFlag(YEARS, 'ensure', values.ensure, 'tickflow db partitions');
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
    } else if (action === 'partitions') {
      const repo = new PartitionRepository(dataSource);
      const made = ensure ? await repo.ensureYears(new Date(Date.UTC(ensure.from, 0, 1)), new Date(Date.UTC(ensure.to, 11, 31, 23, 59, 59, 999))) : null;
      const [partitions, waiting] = [await repo.list(), await repo.yearsInDefault()];
      if (values.json) out(JSON.stringify({ made, partitions, inDefault: waiting }));
      else {
        if (made !== null) out(`made ${made} partition(s) for ${ensure!.from}${ensure!.to !== ensure!.from ? `–${ensure!.to}` : ''}`);
        for (const p of partitions) out(`${p.name.padEnd(24)} ${String(p.year ?? 'DEFAULT').padEnd(8)} ~${p.estimatedRows} rows  ${(p.bytes / 2 ** 20).toFixed(1)} MiB`);
        for (const w of waiting) {
          const fix = w.year >= PARTITIONED_YEARS.first && w.year <= PARTITIONED_YEARS.last ? `tickflow db partitions --ensure ${w.year}`
            : `no partition is made outside ${PARTITIONED_YEARS.first}–${PARTITIONED_YEARS.last}, so they stay`;
          out(`${w.rows} ${w.table} rows of ${w.year} wait in DEFAULT: ${fix}`);
        }
      }
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

export const dbCommand: Command = { name: 'db', summary: 'apply, undo the last, or list schema migrations; list or make year partitions; derive missing bar context', help, actions: ACTIONS, run };
