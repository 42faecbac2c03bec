// Migration 1732408600000 on a database that already holds data: price_data and feature_data become partitioned by
// year with every row, key, index, trigger, grant and view intact; new years arrive through
// tickflow_ensure_year_partitions (rows of a year nobody ensured wait in DEFAULT and move when it is); the way back
// restores plain tables with the same rows.
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { openDataSource } from '../../src/db/data-source';
import { PartitionRepository } from '../../src/repositories/partition-repository';
import { childEnv, spawnTickflow } from '../helpers/processes';
import { testAdminUrl, testDbName } from '../helpers/services';

const reader = `tickflow_test_partition_reader`;

describe('partitioning price_data and feature_data by year', () => {
  const dbName = `${testDbName()}_partitions`;
  const url = new URL(testAdminUrl());
  url.pathname = `/${dbName}`;
  let ds: DataSource;

  beforeAll(async () => {
    const admin = new Client({ connectionString: testAdminUrl() });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${dbName}"`);
    // Roles are cluster-wide: concurrent runs share this one, so it is created once and never dropped.
    await admin.query(`DO $$ BEGIN CREATE ROLE ${reader} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
    await admin.end();
    ds = await openDataSource({ url: url.toString() });
    await ds.runMigrations({ transaction: 'each' });
    await ds.undoLastMigration({ transaction: 'each' }); // the layout before partitioning, to fill with data
  });
  afterAll(async () => {
    await ds?.destroy();
  });

  /** Every row of a table, in key order, as one digest: equal digests, equal contents. */
  const digest = async (table: string): Promise<{ rows: number; md5: string }> => {
    const [r] = await ds.query(`SELECT count(*)::int AS rows, md5(string_agg(t::text, '|' ORDER BY t::text)) AS md5 FROM ${table} t`);
    return r;
  };
  const partitionsOf = async (table: string): Promise<Record<string, number>> => {
    const rows: { name: string; n: number }[] = await ds.query(
      `SELECT c.relname AS name, (SELECT count(*)::int FROM ${table} t WHERE t.tableoid = c.oid) AS n
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1`, [table]);
    return Object.fromEntries(rows.map((r) => [r.name, r.n]));
  };

  it('moves existing rows into year partitions and keeps the key, indexes, triggers, grants and views', async () => {
    // Three years of bars for two symbols, one bar from 1850 (outside the years that get a partition), features of all.
    await ds.query(`INSERT INTO price_data (symbol, interval, ts, open, high, low, close, adj_close, volume, source, prev_ts, prev_close, close_run)
      SELECT s, '1d', d, 10, 11, 9, 10 + extract(doy FROM d), NULL::float8, 1000, 'test', d - interval '1 day', 10, 1
      FROM unnest(ARRAY['AAA', 'BBB']) s, generate_series('2018-12-30T00:00:00Z'::timestamptz, '2020-01-02T00:00:00Z', '1 day') d
      UNION ALL SELECT 'AAA', '1d', '1850-06-01T00:00:00Z', 1, 1, 1, 1, NULL, 1, 'test', NULL, NULL, 1`);
    await ds.query(`INSERT INTO feature_set (version, name, definitions, feature_names, warmup_bars) VALUES ('v1', 'set', '[]', ARRAY['a', 'b'], 0)`);
    await ds.query(`INSERT INTO feature_data (feature_set_version, symbol, interval, ts, values) SELECT 'v1', symbol, interval, ts, ARRAY[close, 2 * close] FROM price_data`);
    await ds.query(`GRANT SELECT, INSERT ON price_data TO ${reader}`);
    await ds.query(`GRANT SELECT ON feature_values TO ${reader}`);
    const before = { price: await digest('price_data'), feature: await digest('feature_data'), values: await digest('feature_values') };
    expect(before.price.rows).toBe(2 * 369 + 1);

    const applied = await ds.runMigrations({ transaction: 'each' });
    expect(applied.map((m) => m.name)).toEqual(['PartitionByYear1732408600000']);

    expect(await digest('price_data')).toEqual(before.price);
    expect(await digest('feature_data')).toEqual(before.feature);
    expect(await digest('feature_values')).toEqual(before.values);
    expect(await partitionsOf('price_data')).toEqual({ price_data_default: 1, price_data_y2018: 4, price_data_y2019: 730, price_data_y2020: 4 });
    expect(await partitionsOf('feature_data')).toEqual({ feature_data_default: 1, feature_data_y2018: 4, feature_data_y2019: 730, feature_data_y2020: 4 });

    const [shape] = await ds.query(`SELECT
        (SELECT relkind FROM pg_class WHERE oid = 'price_data'::regclass) AS price_kind,
        (SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'price_data_pkey' AND conrelid = 'price_data'::regclass) AS price_key,
        (SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'feature_data_pkey' AND conrelid = 'feature_data'::regclass) AS feature_key,
        (SELECT array_agg(indexrelid::regclass::text ORDER BY indexrelid::regclass::text) FROM pg_index WHERE indrelid = 'price_data'::regclass) AS price_indexes,
        (SELECT array_agg(tgname::text ORDER BY tgname) FROM pg_trigger WHERE tgrelid = 'price_data'::regclass AND NOT tgisinternal) AS price_triggers,
        has_table_privilege('${reader}', 'price_data', 'INSERT') AS reader_inserts, has_table_privilege('${reader}', 'price_data', 'UPDATE') AS reader_updates,
        has_table_privilege('${reader}', 'feature_values', 'SELECT') AS reader_reads_view,
        (SELECT count(*)::int FROM pg_class WHERE relname LIKE '%before_partitioning%') AS leftovers`);
    expect(shape).toEqual({
      price_kind: 'p',
      price_key: 'PRIMARY KEY (symbol, "interval", ts)',
      feature_key: 'PRIMARY KEY (feature_set_version, symbol, "interval", ts)',
      price_indexes: ['price_data_context_pending', 'price_data_pkey', 'price_data_ts_brin'],
      price_triggers: ['price_data_context_deleted', 'price_data_context_moved', 'price_data_context_revised', 'price_data_written'],
      reader_inserts: true, reader_updates: false, reader_reads_view: true, leftovers: 0,
    });
  });

  it('keeps the triggers working: a revised bar is re-stamped and dirty, a deleted bar dirties its successor', async () => {
    const [revised] = await ds.query(`UPDATE price_data SET close = 99 WHERE symbol = 'AAA' AND ts = '2019-06-03T00:00:00Z'
      RETURNING updated_at > now() - interval '1 minute' AS restamped, close_run`);
    expect(revised).toEqual([{ restamped: true, close_run: null }]);
    // Across a partition boundary: the bar after 2019-12-31 is 2020-01-01, in the next partition.
    await ds.query(`DELETE FROM price_data WHERE symbol = 'BBB' AND ts = '2019-12-31T00:00:00Z'`);
    const [successor] = await ds.query(`SELECT close_run FROM price_data WHERE symbol = 'BBB' AND ts = '2020-01-01T00:00:00Z'`);
    expect(successor.close_run).toBeNull();
    // The importer's upsert: ON CONFLICT on the partitioned key.
    await ds.query(`INSERT INTO price_data (symbol, interval, ts, open, high, low, close, volume, source) VALUES ('AAA', '1d', '2020-01-02T00:00:00Z', 1, 1, 1, 7, 1, 'test')
      ON CONFLICT (symbol, interval, ts) DO UPDATE SET close = EXCLUDED.close`);
    expect(await ds.query(`SELECT close FROM price_data WHERE symbol = 'AAA' AND ts = '2020-01-02T00:00:00Z'`)).toEqual([{ close: 7 }]);
  });

  it('makes a new year on demand, moving that year\'s rows out of DEFAULT, and nothing for years without bars', async () => {
    const partitions = new PartitionRepository(ds);
    // Rows of years nobody ensured land in DEFAULT: a plain INSERT never fails for want of a partition.
    await ds.query(`INSERT INTO price_data (symbol, interval, ts, open, high, low, close, volume, source)
      VALUES ('AAA', '1d', '2022-03-01T00:00:00Z', 1, 1, 1, 1, 1, 'test'), ('AAA', '1d', '2022-03-02T00:00:00Z', 1, 1, 1, 1, 1, 'test')`);
    expect((await partitionsOf('price_data')).price_data_default).toBe(3);
    const farFuture = new Date(Date.UTC(new Date().getUTCFullYear() + 5, 0, 1));
    expect(await partitions.ensureYears(new Date('2021-07-01T00:00:00Z'), new Date('2022-12-31T23:59:59Z'))).toBe(4);
    expect(await partitions.ensureYears(new Date('2021-07-01T00:00:00Z'), new Date('2022-12-31T23:59:59Z'))).toBe(0);
    expect(await partitions.ensureYears(farFuture, farFuture)).toBe(0);
    const price = await partitionsOf('price_data');
    expect(price).toMatchObject({ price_data_default: 1, price_data_y2021: 0, price_data_y2022: 2 });
    expect(Object.keys(await partitionsOf('feature_data'))).toEqual(expect.arrayContaining(['feature_data_y2021', 'feature_data_y2022']));
    // A new partition is a full member: the parent's indexes and row triggers are on it.
    const [{ indexes, triggers }] = await ds.query(`SELECT (SELECT count(*)::int FROM pg_index WHERE indrelid = 'price_data_y2022'::regclass) AS indexes,
      (SELECT count(*)::int FROM pg_trigger WHERE tgrelid = 'price_data_y2022'::regclass) AS triggers`);
    expect({ indexes, triggers }).toEqual({ indexes: 3, triggers: 3 }); // the statement-level DELETE trigger stays on the parent
    await expect(partitions.ensureYears(new Date('2022-01-01'), new Date('2021-01-01'))).rejects.toThrow(/is not a range/);
    const listed = await partitions.list();
    expect(listed.filter((p) => p.table === 'price_data').map((p) => p.year)).toEqual([2018, 2019, 2020, 2021, 2022, null]);
  });

  it('`tickflow db partitions` lists the partitions and the years waiting in DEFAULT, and --ensure makes them', async () => {
    await ds.query(`INSERT INTO price_data (symbol, interval, ts, open, high, low, close, volume, source) VALUES ('AAA', '1d', '2023-05-01T00:00:00Z', 1, 1, 1, 1, 1, 'test')`);
    const cli = async (...args: string[]) => {
      const child = spawnTickflow(['db', 'partitions', ...args], childEnv({ DATABASE_URL: url.toString() }));
      return { code: await child.closed, stdout: child.stdout(), stderr: child.stderr() };
    };
    const listed = await cli('--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).inDefault).toEqual([
      { table: 'price_data', year: 1850, rows: 1 }, { table: 'price_data', year: 2023, rows: 1 }, { table: 'feature_data', year: 1850, rows: 1 },
    ]);
    const made = await cli('--ensure', '2023');
    expect(made.code).toBe(0);
    expect(made.stdout).toContain('made 2 partition(s) for 2023');
    expect(made.stdout).toMatch(/price_data_y2023 +2023/);
    expect(made.stdout).toContain('1 price_data rows of 1850 wait in DEFAULT: no partition is made outside 1900–2199, so they stay');
    expect(made.stdout).not.toContain('of 2023 wait');
    const bad = await cli('--ensure', '2030:2029');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--ensure="2030:2029": the first year comes after the last');
  });

  it('goes back to plain tables with the same rows', async () => {
    const before = { price: await digest('price_data'), feature: await digest('feature_data') };
    await ds.undoLastMigration({ transaction: 'each' });
    const [kinds] = await ds.query(`SELECT (SELECT relkind FROM pg_class WHERE oid = 'price_data'::regclass) AS price,
      (SELECT relkind FROM pg_class WHERE oid = 'feature_data'::regclass) AS feature,
      (SELECT count(*)::int FROM pg_class WHERE relname ~ '^(price|feature)_data_(y[0-9]{4}|default)$') AS partitions,
      has_table_privilege('${reader}', 'price_data', 'INSERT') AS reader_inserts`);
    expect(kinds).toEqual({ price: 'r', feature: 'r', partitions: 0, reader_inserts: true });
    expect(await digest('price_data')).toEqual(before.price);
    expect(await digest('feature_data')).toEqual(before.feature);
    await ds.runMigrations({ transaction: 'each' });
  });
});
