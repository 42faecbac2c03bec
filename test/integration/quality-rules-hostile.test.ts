// Hostile custom rules on the real PostgreSQL: refused when added, refused again at run time (stored before the
// policy, or inserted into the table directly) without hanging the run, and — should a rule get past the parse
// check — run as a role that can read market data and nothing else. A canary connection stands in for "every
// other session on the server": the terminate rule targets only it, so a regression kills the canary, not the suite.
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config';
import { InputError } from '../../src/contracts/errors';
import { addCustomRule, toRuleSpec } from '../../src/quality/custom-rules';
import { evaluateRules, type RuleOutcome } from '../../src/quality/run-quality';
import { QualityRepository } from '../../src/repositories/quality-repository';
import { RoleRepository } from '../../src/repositories/role-repository';
import { insertRawBars, openTestDataSource, resetData, testDatabaseUrl } from '../helpers/services';

const rulesRole = loadConfig().customRules.role;
const canaryName = `tickflow-canary-${process.pid}-${Date.now()}`;
const scoped = `FROM price_data p WHERE p.symbol = ANY($1) AND p.interval = $2 AND p.ts BETWEEN $3 AND $4`;
const base = { description: 'hostile', targetTable: 'price_data' as const, severity: 'warn' as const, blocking: false, maxFailingRows: 0 };

describe('hostile custom rules', () => {
  let ds: DataSource;
  let repo: QualityRepository;
  let canary: Client;
  beforeAll(async () => {
    ds = await openTestDataSource();
    repo = new QualityRepository(ds);
    // The canary logs in as a plain role, like a worker's runtime role (cluster-wide: created once, by any run).
    await ds.query(`DO $$ BEGIN CREATE ROLE tickflow_test_canary LOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
    const url = new URL(testDatabaseUrl());
    url.username = 'tickflow_test_canary';
    canary = new Client({ connectionString: url.toString(), application_name: canaryName });
    await canary.connect();
    canary.on('error', () => {}); // a terminated canary reports through the next query, not as an unhandled event
    await resetData(ds);
    await ds.query('TRUNCATE quality_custom_rule');
    const bars = Array.from({ length: 300 }, (_, i) => {
      const c = 100 + i * 0.1;
      return { symbol: 'HOST', interval: '1d', ts: new Date(Date.UTC(2019, 0, 1) + i * 86_400_000), open: c, high: c + 1, low: c - 1, close: c, adjClose: c, volume: i % 50 === 0 ? 0 : 1000 };
    });
    await insertRawBars(ds, bars);
  });
  afterAll(async () => {
    await canary.end().catch(() => {});
    await ds.destroy();
  });

  const canaryAlive = async () => (await canary.query('SELECT 1 AS ok')).rows[0].ok === 1;

  async function insertRule(name: string, sql: string) {
    await ds.query(`INSERT INTO quality_custom_rule (name, description, target_table, severity, blocking, max_failing_rows, sql)
      VALUES ($1, 'stored before the policy', 'price_data', 'warn', false, 0, $2)`, [name, sql]);
  }

  async function run(timeoutMs = 30_000, role = rulesRole): Promise<Record<string, RuleOutcome & { error?: string }>> {
    const custom = (await repo.listCustomRules()).map(toRuleSpec);
    const v = await ds.transaction((em) => evaluateRules(em, custom, { symbols: ['HOST'], interval: '1d', from: '2019-01-01', to: '2019-12-31' },
      { pipelineRunId: null, workflowId: 'wf-hostile' }, { customRules: { role, timeoutMs } }));
    const errors: { rule: string; sample: { error?: string }[] }[] = await ds.query(
      `SELECT DISTINCT ON (rule) rule, sample FROM validation_result WHERE workflow_id = 'wf-hostile' ORDER BY rule, id DESC`);
    const byRule = new Map(errors.map((e) => [e.rule, e.sample[0]?.error]));
    return Object.fromEntries(v.outcomes.map((o) => [o.rule, { ...o, error: byRule.get(o.rule) }]));
  }

  it('refuses at `rules add` a rule calling a function off the allowlist, naming it, and one reading what the rules role may not', async () => {
    const add = (name: string, sql: string) => addCustomRule(repo, { ...base, name, sql }, { role: rulesRole, timeoutMs: 5000 });
    await expect(add('custom.kill', `SELECT pg_terminate_backend(pid)::text AS symbol, now() AS ts FROM pg_stat_activity`))
      .rejects.toThrow(new InputError('the query calls pg_terminate_backend(), which is not on the custom-rule function allowlist', 'custom rule --sql'));
    await expect(add('custom.sleep', `SELECT symbol, pg_catalog.pg_sleep(3600) ${scoped}`)).rejects.toThrow('calls pg_catalog.pg_sleep()');
    await expect(add('custom.role', `SELECT set_config('role', 'none', true) AS symbol`)).rejects.toThrow('calls set_config()');
    await expect(add('custom.lo', `SELECT lo_import('/etc/hostname')::text AS symbol`)).rejects.toThrow('calls lo_import()');
    await expect(add('custom.lock', `SELECT symbol ${scoped} FOR UPDATE`)).rejects.toThrow('locks rows');
    // Plans as the rules role: tables outside market data are refused by PostgreSQL's own privilege check.
    await expect(add('custom.runs', `SELECT workflow_id AS symbol FROM pipeline_run`)).rejects.toThrow('permission denied for table pipeline_run');
    await expect(add('custom.trades', `SELECT symbol FROM trade`)).rejects.toThrow('permission denied for table trade');
    expect(await repo.listCustomRules()).toEqual([]);
    const ok = await add('custom.zero_volume', `SELECT symbol, ts, volume ${scoped} AND volume = 0`);
    expect(ok.name).toBe('custom.zero_volume');
  });

  it('refuses stored hostile rules at run time with their reason, times out a huge cross join, and still runs the others', async () => {
    await insertRule('custom.stored_kill', `SELECT pg_terminate_backend(pid)::text AS symbol, now() AS ts FROM pg_stat_activity WHERE application_name = '${canaryName}'`);
    await insertRule('custom.stored_kill_hidden', `SELECT symbol ${scoped} AND (SELECT bool_or(pg_catalog.pg_terminate_backend(a.pid)) FROM pg_stat_activity a WHERE a.application_name = '${canaryName}')`);
    await insertRule('custom.stored_cancel', `SELECT pg_cancel_backend(${(await canary.query('SELECT pg_backend_pid() AS pid')).rows[0].pid})::text AS symbol`);
    await insertRule('custom.stored_sleep', `SELECT symbol, pg_sleep(3600) ${scoped}`);
    await insertRule('custom.stored_locks', `SELECT pg_advisory_lock(g)::text AS symbol FROM generate_series(1, 1000000) g`);
    await insertRule('custom.stored_file', `SELECT pg_read_file('/etc/hostname') AS symbol`);
    await insertRule('custom.stored_ls', `SELECT f AS symbol FROM pg_ls_dir('.') f`);
    await insertRule('custom.stored_role', `SELECT symbol ${scoped} AND set_config('role', 'none', true) = 'none'`);
    await insertRule('custom.stored_dblink', `SELECT * FROM dblink('dbname=postgres', 'SELECT 1') AS t(symbol text)`);
    await insertRule('custom.stored_write', `WITH w AS (UPDATE price_data SET close = 0 RETURNING symbol) SELECT symbol FROM w`);
    await insertRule('custom.stored_cross_join', `SELECT a.symbol FROM price_data a CROSS JOIN price_data b CROSS JOIN price_data c CROSS JOIN price_data d`);
    await insertRule('custom.stored_private', `SELECT workflow_id AS symbol FROM pipeline_run`);

    const started = Date.now();
    const r = await run(1000);
    const elapsed = Date.now() - started;
    expect(await canaryAlive()).toBe(true);
    expect(elapsed).toBeLessThan(15_000);

    const refused = (fn: string) => `refused, not run: the query calls ${fn}, which is not on the custom-rule function allowlist`;
    expect(r['custom.stored_kill']).toMatchObject({ passed: false, error: refused('pg_terminate_backend()') });
    expect(r['custom.stored_kill_hidden']).toMatchObject({ passed: false, error: refused('pg_catalog.pg_terminate_backend()') });
    expect(r['custom.stored_cancel']).toMatchObject({ passed: false, error: refused('pg_cancel_backend()') });
    expect(r['custom.stored_sleep']).toMatchObject({ passed: false, error: refused('pg_sleep()') });
    expect(r['custom.stored_locks']).toMatchObject({ passed: false, error: refused('pg_advisory_lock()') });
    expect(r['custom.stored_file']).toMatchObject({ passed: false, error: refused('pg_read_file()') });
    expect(r['custom.stored_ls']).toMatchObject({ passed: false, error: refused('pg_ls_dir()') });
    expect(r['custom.stored_role']).toMatchObject({ passed: false, error: refused('set_config()') });
    expect(r['custom.stored_dblink']).toMatchObject({ passed: false, error: refused('dblink()') });
    expect(r['custom.stored_write']).toMatchObject({ passed: false, error: 'refused, not run: the query writes data (UPDATE inside the query)' });
    // Allowed by the parser, stopped by the statement timeout; stopped by the role's grants.
    expect(r['custom.stored_cross_join']).toMatchObject({ passed: false, error: 'canceling statement due to statement timeout' });
    expect(r['custom.stored_private']).toMatchObject({ passed: false, error: 'permission denied for table pipeline_run' });
    // The rule added in the previous test still ran, under the same role, and counted HOST's six zero-volume bars.
    expect(r['custom.zero_volume']).toMatchObject({ passed: false, failingRows: 6, rowsChecked: 6 });
    const [closes] = await ds.query(`SELECT count(*)::int AS n FROM price_data WHERE close = 0`);
    expect(closes.n).toBe(0);
  });

  it('runs rules as a role that cannot signal, read files or settings, lock, or see private tables', async () => {
    const [{ pid }] = (await canary.query('SELECT pg_backend_pid() AS pid')).rows;
    const qr = ds.createQueryRunner();
    const asRules = async (sql: string) => {
      await qr.query('BEGIN READ ONLY');
      try {
        await qr.query(`SET LOCAL ROLE ${rulesRole}`);
        return await qr.query(sql);
      } finally {
        await qr.query('ROLLBACK');
      }
    };
    try {
      expect(await asRules(`SELECT count(*)::int AS n FROM price_data`)).toEqual([{ n: 300 }]);
      // PostgreSQL 15 words it "must be a member of the role whose …", 16 and later "permission denied to …".
      await expect(asRules(`SELECT pg_terminate_backend(${pid})`))
        .rejects.toThrow(/must be a member of the role whose process is being terminated|permission denied to terminate process/);
      await expect(asRules(`SELECT pg_cancel_backend(${pid})`)).rejects.toThrow(/must be a member of the role whose query is being canceled|permission denied to cancel query/);
      await expect(asRules(`SELECT pg_read_file('/etc/hostname')`)).rejects.toThrow('permission denied for function pg_read_file');
      await expect(asRules(`SELECT pg_ls_dir('.')`)).rejects.toThrow('permission denied for function pg_ls_dir');
      await expect(asRules(`SELECT lo_import('/etc/hostname')`)).rejects.toThrow('permission denied for function lo_import');
      await expect(asRules(`SELECT * FROM pipeline_run`)).rejects.toThrow('permission denied for table pipeline_run');
      await expect(asRules(`SELECT current_setting('data_directory')`)).rejects.toThrow(/permission denied|must be superuser or have privileges of pg_read_all_settings/);
      const [rights] = await asRules(`SELECT r.rolcanlogin, r.rolsuper, pg_has_role(r.oid, 'pg_signal_backend', 'USAGE') AS signal,
          pg_has_role(r.oid, 'pg_read_server_files', 'USAGE') AS files, pg_has_role(r.oid, 'pg_monitor', 'USAGE') AS monitor,
          pg_has_role(r.oid, 'pg_read_all_data', 'USAGE') AS all_data
        FROM pg_roles r WHERE r.rolname = current_user`);
      expect(rights).toEqual({ rolcanlogin: false, rolsuper: false, signal: false, files: false, monitor: false, all_data: false });
    } finally {
      await qr.release();
    }
    expect(await canaryAlive()).toBe(true);
  });

  it('fails every custom rule, naming why, when the rules role is missing or holds more than read access; ensureRulesRole strips it', async () => {
    const missing = await run(5000, 'tickflow_no_such_rules_role');
    expect(missing['custom.zero_volume']).toMatchObject({ passed: false });
    expect(missing['custom.zero_volume'].error).toMatch(/^cannot run as the rules role "tickflow_no_such_rules_role": role "tickflow_no_such_rules_role" does not exist/);

    // A role someone widened: refused as a whole, then repaired. Its own name (roles are cluster-wide), dropped after.
    const strong = `tickflow_test_widened_${process.pid}`;
    const roles = new RoleRepository(ds);
    try {
      await roles.ensureRulesRole(strong);
      await ds.query(`GRANT pg_signal_backend TO ${strong}`);
      const widened = await run(5000, strong);
      expect(widened['custom.zero_volume'].error).toMatch(new RegExp(`^the rules role "${strong}" holds more than read access`));
      expect(await roles.rulesRoleProblems(strong)).toEqual([expect.stringContaining('is a member of pg_signal_backend')]);
      await roles.ensureRulesRole(strong);
      expect(await roles.rulesRoleProblems(strong)).toEqual([]);
    } finally {
      await ds.query(`DROP OWNED BY ${strong}`).catch(() => {});
      await ds.query(`DROP ROLE IF EXISTS ${strong}`);
    }
  });

  it('ensures the rules role idempotently from concurrent sessions (roles are cluster-wide, test runs share them)', async () => {
    const others = await Promise.all([1, 2, 3].map(() => openTestDataSource(1)));
    try {
      await Promise.all([ds, ...others].map((d) => new RoleRepository(d).ensureRulesRole(rulesRole)));
      expect(await new RoleRepository(ds).rulesRoleProblems(rulesRole)).toEqual([]);
    } finally {
      await Promise.all(others.map((d) => d.destroy()));
    }
  });
});
