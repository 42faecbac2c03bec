// The custom-rule SQL policy on PostgreSQL's own parse tree (libpg-query): hostile rules are refused with a reason
// naming what they do; the rules users write (docs/quality.md, the default rules' shapes) pass.
import { ruleSqlRefusal } from '../../src/quality/rule-sql-policy';

const scoped = `FROM price_data p WHERE p.symbol = ANY($1) AND p.interval = $2 AND p.ts BETWEEN $3 AND $4`;

describe('custom rule SQL policy', () => {
  it.each([
    ['the issue\'s rule: terminate every backend', `SELECT pg_terminate_backend(pid)::text AS symbol, now() AS ts FROM pg_stat_activity`, 'pg_terminate_backend()'],
    ['cancel backends', `SELECT symbol, pg_cancel_backend(42) ${scoped}`, 'pg_cancel_backend()'],
    ['sleep, schema-qualified', `SELECT symbol, pg_catalog.pg_sleep(3600) ${scoped}`, 'pg_catalog.pg_sleep()'],
    ['sleep inside a cast', `SELECT symbol, (pg_sleep(10))::text AS x ${scoped}`, 'pg_sleep()'],
    ['sleep in a scalar subquery in WHERE', `SELECT symbol ${scoped} AND 1 = (SELECT count(*) FROM (SELECT pg_sleep(1)) s)`, 'pg_sleep()'],
    ['sleep as a table function', `SELECT * FROM pg_sleep_for('1 hour')`, 'pg_sleep_for()'],
    ['read a server file', `SELECT pg_read_file('/etc/passwd') AS symbol`, 'pg_read_file()'],
    ['list a server folder', `SELECT f AS symbol FROM pg_ls_dir('.') f`, 'pg_ls_dir()'],
    ['read a binary file in a CTE', `WITH f AS (SELECT pg_read_binary_file('/etc/hostname') AS b) SELECT * FROM f`, 'pg_read_binary_file()'],
    ['large-object import', `SELECT lo_import('/etc/passwd') AS symbol`, 'lo_import()'],
    ['dblink', `SELECT * FROM dblink('dbname=postgres', 'SELECT pg_terminate_backend(1)') AS t(x bool)`, 'dblink()'],
    ['set_config back to the session role', `SELECT set_config('role', 'none', true) AS symbol`, 'set_config()'],
    ['set_config off the timeout', `SELECT symbol ${scoped} AND set_config('statement_timeout', '0', true) IS NOT NULL`, 'set_config()'],
    ['advisory-lock flood', `SELECT pg_advisory_lock(g) FROM generate_series(1, 10000000) g`, 'pg_advisory_lock()'],
    ['advisory xact locks in an aggregate', `SELECT count(pg_try_advisory_xact_lock(g)) FROM generate_series(1, 100) g`, 'pg_try_advisory_xact_lock()'],
    ['a sequence', `SELECT nextval('validation_result_id_seq') AS n`, 'nextval()'],
    ['a user function in another schema', `SELECT symbol, public.abs(close) ${scoped}`, 'public.abs()'],
    ['an unbounded allocation', `SELECT repeat('x', 1000000000) AS symbol`, 'repeat()'],
    ['notify', `SELECT pg_notify('c', 'x')`, 'pg_notify()'],
    ['a function hidden in ORDER BY of an aggregate', `SELECT string_agg(symbol, ',' ORDER BY pg_backend_pid()) ${scoped}`, 'pg_backend_pid()'],
    ['a function in a window frame', `SELECT symbol, lag(close) OVER (PARTITION BY pg_postmaster_start_time()) ${scoped}`, 'pg_postmaster_start_time()'],
  ])('refuses %s', async (_what, sql, fn) => {
    const refusal = await ruleSqlRefusal(sql);
    expect(refusal).toBe(`calls ${fn}, which is not on the custom-rule function allowlist`);
  });

  it.each([
    ['a write in a CTE', `WITH d AS (DELETE FROM price_data RETURNING *) SELECT * FROM d`, 'writes data (DELETE inside the query)'],
    ['an insert in a CTE', `WITH i AS (INSERT INTO price_quarantine (reason) VALUES ('x') RETURNING 1) SELECT * FROM i`, 'writes data (INSERT inside the query)'],
    ['an update in a CTE', `WITH u AS (UPDATE price_data SET close = 0 RETURNING symbol) SELECT * FROM u`, 'writes data (UPDATE inside the query)'],
    ['row locks', `SELECT symbol ${scoped} FOR UPDATE`, 'locks rows (SELECT … FOR UPDATE/SHARE)'],
    ['row locks in a subquery', `SELECT * FROM (SELECT symbol FROM price_data FOR SHARE) s`, 'locks rows (SELECT … FOR UPDATE/SHARE)'],
    ['SELECT INTO', `SELECT symbol INTO stolen FROM price_data`, 'creates a table (SELECT … INTO)'],
    ['a cast to a catalog type', `SELECT 'pg_sleep'::regproc AS symbol`, 'casts to regproc, which is not a plain data type a rule may use'],
    ['a cast to a user type', `SELECT CAST(close AS public.evil) AS symbol ${scoped}`, 'casts to public.evil, which is not a plain data type a rule may use'],
    ['an operator in another schema', `SELECT symbol ${scoped} AND close OPERATOR(public.===) 1`, 'uses the operator public.===, which is not built in'],
    ['a system catalog', `SELECT usename AS symbol FROM pg_stat_activity`, 'reads the system catalog pg_stat_activity; custom rules read Tickflow\'s tables'],
    ['a qualified catalog', `SELECT rolname AS symbol FROM pg_catalog.pg_roles`, 'reads the system catalog pg_catalog.pg_roles; custom rules read Tickflow\'s tables'],
    ['information_schema', `SELECT table_name AS symbol FROM information_schema.tables`, 'reads the system catalog information_schema.tables; custom rules read Tickflow\'s tables'],
    ['a sampling method from an extension', `SELECT symbol FROM price_data TABLESAMPLE system_time(1000)`, 'samples with system_time, which is not BERNOULLI or SYSTEM'],
    ['XML', `SELECT xmlelement(name x, symbol) ${scoped}`, 'uses an XML function'],
    ['two statements', `SELECT 1; SELECT 2`, 'must be exactly one statement (found 2)'],
    ['COPY to a program', `COPY (SELECT 1) TO PROGRAM 'id'`, 'must be a SELECT (found COPY)'],
    ['EXPLAIN ANALYZE', `EXPLAIN ANALYZE SELECT 1`, 'must be a SELECT (found EXPLAIN)'],
  ])('refuses %s', async (_what, sql, reason) => {
    expect(await ruleSqlRefusal(sql)).toBe(reason);
  });

  it('reports what the parser says about SQL that does not parse', async () => {
    expect(await ruleSqlRefusal('SELECT FROM WHERE')).toMatch(/^does not parse: syntax error at or near "WHERE"/);
  });

  it.each([
    ['the documented zero-volume rule', `SELECT symbol, ts, volume ${scoped} AND volume = 0`],
    ['the scope CTE, casts and date arithmetic', `SELECT p.symbol, p.ts FROM price_data p, scope s WHERE p.symbol = ANY(s.symbols)
      AND p.ts >= s.from_ts AND (p.ts AT TIME ZONE 'UTC')::date > DATE '2015-01-01' + INTERVAL '1 day' AND extract(dow FROM p.ts) IN (0, 6)`],
    ['windows, aggregates and CASE', `WITH r AS (SELECT symbol, ts, close / lag(close) OVER (PARTITION BY symbol ORDER BY ts) - 1 AS ret ${scoped})
      SELECT symbol, ts, round(ret::numeric, 4) AS ret FROM r WHERE abs(ret) > 3 * (SELECT stddev(ret) FROM r) AND CASE WHEN ret IS NULL THEN false ELSE true END`],
    ['features, JSON and arrays', `SELECT f.symbol, f.ts, jsonb_build_object('n', cardinality(f.values)) AS info FROM feature_data f
      WHERE f.symbol = ANY($1) AND array_position(f.values, NULL) IS NOT NULL AND f.symbol LIKE 'A%' AND f.symbol SIMILAR TO '[A-Z]+'`],
    ['coalesce, greatest, nullif, IS DISTINCT FROM, EXISTS', `SELECT symbol, ts ${scoped} AND greatest(open, close) > coalesce(nullif(high, 0), 1)
      AND adj_close IS DISTINCT FROM close AND NOT EXISTS (SELECT 1 FROM corporate_action c WHERE c.symbol = p.symbol) AND trim(source) <> ''`],
  ])('allows %s', async (_what, sql) => {
    expect(await ruleSqlRefusal(sql)).toBeUndefined();
  });
});
