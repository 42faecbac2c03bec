// Physical layout of price_data and feature_data, decided by measurement: each candidate built in its own scratch
// database with the same synthetic rows (25 M bars × TICKFLOW_BENCH_SCALE, 20 years of weekdays per symbol):
//   single_brin              what the migrations ship: one table each, B-tree primary key, BRIN on ts (price_data)
//   range_year               PARTITION BY RANGE (ts), one partition per year
//   hash_symbol              PARTITION BY HASH (symbol), 8 partitions
//   range_year_hash_symbol   by year, each year by HASH (symbol) into 4
// Every layout gets the same columns and indexes as the migrations (primary key, BRIN, the pending-context partial
// index); foreign keys and triggers are left out of all of them alike (their cost per row does not depend on the layout).
// Loads are INSERT … SELECT from an unlogged source table in batches of 25 symbols, one transaction each (the
// backfill's children write 25 symbols a transaction), so the figures compare the tables' write paths, not a client.
// Every figure's limit is single_brin's; ratio > 1 means the layout beats a single table on it.
import { Client } from 'pg';
import type { BenchContext, BenchResult } from './harness';

export const LAYOUTS = ['single_brin', 'range_year', 'hash_symbol', 'range_year_hash_symbol'] as const;
type Layout = (typeof LAYOUTS)[number];

const FIRST_YEAR = 2000;
const LAST_YEAR = 2019;
const DROP_YEAR = 2010;
const BATCH = 25;
const WIDTH = 27; // values per feature row: the default feature set's

const PRICE_COLUMNS = `symbol varchar(32) NOT NULL, interval varchar(8) NOT NULL, ts timestamptz NOT NULL, open float8 NOT NULL, high float8 NOT NULL,
  low float8 NOT NULL, close float8 NOT NULL, adj_close float8, volume float8 NOT NULL, source varchar(64) NOT NULL, pipeline_run_id uuid,
  updated_at timestamptz NOT NULL DEFAULT now(), prev_ts timestamptz, prev_close float8, close_run integer, volume_z float8, missing_sessions smallint,
  trading_day boolean`;
const FEATURE_COLUMNS = `feature_set_version varchar(32) NOT NULL, symbol varchar(32) NOT NULL, interval varchar(8) NOT NULL, ts timestamptz NOT NULL,
  values float8[] NOT NULL, pipeline_run_id uuid, computed_at timestamptz NOT NULL DEFAULT now()`;

const yearBounds = (y: number) => `FROM ('${y}-01-01T00:00:00Z') TO ('${y + 1}-01-01T00:00:00Z')`;

/** Partitions of one year of `table` under `layout` (nothing for the unpartitioned ones). */
function yearPartition(layout: Layout, table: string, y: number): string[] {
  if (layout === 'range_year') return [`CREATE TABLE ${table}_y${y} PARTITION OF ${table} FOR VALUES ${yearBounds(y)}`];
  if (layout !== 'range_year_hash_symbol') return [];
  return [
    `CREATE TABLE ${table}_y${y} PARTITION OF ${table} FOR VALUES ${yearBounds(y)} PARTITION BY HASH (symbol)`,
    ...[0, 1, 2, 3].map((r) => `CREATE TABLE ${table}_y${y}_h${r} PARTITION OF ${table}_y${y} FOR VALUES WITH (MODULUS 4, REMAINDER ${r})`),
  ];
}

function ddl(layout: Layout): string[] {
  const by = layout === 'single_brin' ? '' : layout === 'hash_symbol' ? ' PARTITION BY HASH (symbol)' : ' PARTITION BY RANGE (ts)';
  const out = [
    `CREATE TABLE price_data (${PRICE_COLUMNS}, PRIMARY KEY (symbol, interval, ts))${by}`,
    `CREATE TABLE feature_data (${FEATURE_COLUMNS}, PRIMARY KEY (feature_set_version, symbol, interval, ts))${by}`,
    `CREATE INDEX price_data_ts_brin ON price_data USING brin (ts)`,
    `CREATE INDEX price_data_context_pending ON price_data (symbol, interval, ts) WHERE close_run IS NULL`,
  ];
  for (const table of ['price_data', 'feature_data']) {
    if (layout === 'hash_symbol') {
      for (let r = 0; r < 8; r++) out.push(`CREATE TABLE ${table}_h${r} PARTITION OF ${table} FOR VALUES WITH (MODULUS 8, REMAINDER ${r})`);
    }
    for (let y = FIRST_YEAR; y <= LAST_YEAR; y++) out.push(...yearPartition(layout, table, y));
  }
  return out;
}

const insertPrices = (where: string) => `INSERT INTO price_data (symbol, interval, ts, open, high, low, close, adj_close, volume, source, prev_ts, prev_close, close_run, volume_z)
  SELECT symbol, '1d', ts, close * 0.999, close * 1.01, close * 0.99, close, close, volume, 'synthetic', ts - interval '1 day', close, 1, 0.1 FROM src WHERE ${where}`;
const insertFeatures = (where: string) => `INSERT INTO feature_data (feature_set_version, symbol, interval, ts, values)
  SELECT 'v1', symbol, '1d', ts, array_fill(close, ARRAY[${WIDTH}]) FROM src WHERE ${where}`;
const inYear = (y: number, column = 'ts') => `${column} >= '${y}-01-01T00:00:00Z' AND ${column} < '${y + 1}-01-01T00:00:00Z'`;

/** The year's first weekday at midnight UTC: a day every symbol has a bar on. */
function firstWeekday(y: number): Date {
  const d = new Date(Date.UTC(y, 0, 1));
  while (d.getUTCDay() === 0 || d.getUTCDay() === 6) d.setUTCDate(d.getUTCDate() + 1);
  return d;
}

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function medianMs(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) ms.push((await seconds(() => fn(i))) * 1000);
  return ms.sort((a, b) => a - b)[Math.floor(n / 2)];
}

interface LayoutFigures {
  importBarsPerS: number;
  featuresRowsPerS: number;
  readSymbolYearMs: number;
  readCrossSectionMs: number;
  read100SymbolsYearMs: number;
  indexMb: number;
  tableMb: number;
  vacuumS: number;
  analyzeS: number;
  dropYearS: number;
  reloadYearS: number;
}

/** Sizes of both tables and their partitions (a partitioned parent holds nothing itself; a plain table is not in its own tree here). */
async function sizes(c: Client): Promise<{ index: number; table: number }> {
  const { rows: [r] } = await c.query(`SELECT sum(pg_indexes_size(relid))::float8 AS index, sum(pg_table_size(relid))::float8 AS "table"
    FROM (SELECT relid FROM pg_partition_tree('price_data') UNION SELECT relid FROM pg_partition_tree('feature_data')
          UNION SELECT 'price_data'::regclass UNION SELECT 'feature_data'::regclass) t`);
  return { index: r.index, table: r.table };
}

async function measureLayout(c: Client, layout: Layout, symbols: number, log: (m: string) => void): Promise<LayoutFigures> {
  for (const sql of ddl(layout)) await c.query(sql);
  // The source rows, untimed: one per symbol and weekday, a deterministic close per (symbol, day).
  await c.query(`CREATE UNLOGGED TABLE src AS
    SELECT 'L' || lpad(s::text, 4, '0') AS symbol, d::timestamptz AS ts, 50 + (s % 50) + 10 * sin(extract(epoch FROM d) / 86400 / 30 + s) AS close,
           1e6 + (s * 7919 + extract(doy FROM d)::int) % 100000 AS volume
      FROM generate_series(0, $1::int - 1) s, generate_series('${FIRST_YEAR}-01-03'::date, '${LAST_YEAR}-12-31'::date, '1 day') d
     WHERE extract(isodow FROM d) < 6`, [symbols]);
  await c.query('CREATE INDEX src_symbol ON src (symbol)');
  await c.query('ANALYZE src');
  const { rows: [{ n: bars }] } = await c.query('SELECT count(*)::int AS n FROM src');
  const names = Array.from({ length: symbols }, (_, s) => `L${String(s).padStart(4, '0')}`);
  const batches: string[][] = [];
  for (let i = 0; i < names.length; i += BATCH) batches.push(names.slice(i, i + BATCH));
  const load = (insert: (where: string) => string) => seconds(async () => {
    for (const b of batches) await c.query(insert('symbol = ANY($1)'), [b]);
  });
  log(`${layout}: loading ${bars} bars`);
  const importS = await load(insertPrices);
  const featuresS = await load(insertFeatures);
  // The first VACUUM after a bulk load sets every page all-visible (what index-only scans and later vacuums need).
  const vacuumS = await seconds(() => c.query('VACUUM price_data, feature_data'));
  const analyzeS = await seconds(() => c.query('ANALYZE price_data, feature_data'));
  const size = await sizes(c);

  const symbolOf = (i: number) => names[(i * 7919) % names.length];
  const yearOf = (i: number) => FIRST_YEAR + ((i * 13) % (LAST_YEAR - FIRST_YEAR + 1));
  const readSymbolYearMs = await medianMs(41, (i) => c.query(
    `SELECT p.ts, p.close, f.values FROM price_data p JOIN feature_data f ON f.feature_set_version = 'v1' AND f.symbol = p.symbol AND f.interval = p.interval AND f.ts = p.ts
      WHERE p.symbol = $1 AND p.interval = '1d' AND ${inYear(yearOf(i), 'p.ts')} ORDER BY p.ts`, [symbolOf(i)]));
  const readCrossSectionMs = await medianMs(21, (i) => c.query(`SELECT symbol, close FROM price_data WHERE interval = '1d' AND ts = $1`, [firstWeekday(yearOf(i))]));
  const hundred = names.slice(0, Math.min(100, names.length));
  const read100SymbolsYearMs = await medianMs(5, (i) => c.query(
    `SELECT symbol, count(*), avg(close) FROM price_data WHERE symbol = ANY($1) AND interval = '1d' AND ${inYear(yearOf(i))} GROUP BY symbol`, [hundred]));

  // Drop one year and load it again: a partition by year is detached and dropped; otherwise DELETE, and VACUUM to
  // make the space reusable (what a real deletion costs before the next load can reuse the pages).
  let dropYearS: number;
  let reloadYearS: number;
  const byYear = layout === 'range_year' || layout === 'range_year_hash_symbol';
  if (byYear) {
    dropYearS = await seconds(async () => {
      for (const t of ['price_data', 'feature_data']) {
        await c.query(`ALTER TABLE ${t} DETACH PARTITION ${t}_y${DROP_YEAR}`);
        await c.query(`DROP TABLE ${t}_y${DROP_YEAR}`);
      }
    });
    reloadYearS = await seconds(async () => {
      for (const t of ['price_data', 'feature_data']) for (const sql of yearPartition(layout, t, DROP_YEAR)) await c.query(sql);
      await c.query(insertPrices(inYear(DROP_YEAR)));
      await c.query(insertFeatures(inYear(DROP_YEAR)));
    });
  } else {
    dropYearS = await seconds(async () => {
      await c.query(`DELETE FROM price_data WHERE ${inYear(DROP_YEAR)}`);
      await c.query(`DELETE FROM feature_data WHERE ${inYear(DROP_YEAR)}`);
      await c.query('VACUUM price_data, feature_data');
    });
    reloadYearS = await seconds(async () => {
      await c.query(insertPrices(inYear(DROP_YEAR)));
      await c.query(insertFeatures(inYear(DROP_YEAR)));
    });
  }
  const { rows: [{ n: after }] } = await c.query('SELECT count(*)::int AS n FROM price_data');
  if (after !== bars) throw new Error(`scale bench: ${layout} holds ${after} bars after the reload, expected ${bars}`);
  return {
    importBarsPerS: bars / importS, featuresRowsPerS: bars / featuresS, readSymbolYearMs, readCrossSectionMs, read100SymbolsYearMs,
    indexMb: size.index / 2 ** 20, tableMb: size.table / 2 ** 20, vacuumS, analyzeS, dropYearS, reloadYearS,
  };
}

async function withDatabase<T>(adminUrl: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const name = `tickflow_bench_layout_${Date.now()}_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const c = new Client({ connectionString: url.toString(), application_name: 'tickflow-bench-layout' });
  try {
    await c.connect();
    return await fn(c);
  } finally {
    await c.end();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

/** TICKFLOW_BENCH_LAYOUTS=single_brin,range_year limits the layouts (single_brin, the reference, always runs). */
export async function layouts(ctx: BenchContext): Promise<BenchResult[]> {
  const weekdays = 5218; // 2000-01-03 … 2019-12-31
  const symbols = Math.max(2, Math.round((25_000_000 * ctx.scale) / weekdays));
  const only = process.env.TICKFLOW_BENCH_LAYOUTS?.split(',').map((x) => x.trim());
  const chosen = LAYOUTS.filter((l) => l === 'single_brin' || !only || only.includes(l));
  const figures = new Map<Layout, LayoutFigures>();
  for (const layout of chosen) {
    figures.set(layout, await withDatabase(ctx.databaseUrl, (c) => measureLayout(c, layout, symbols, ctx.log)));
    ctx.log(`${layout}: ${JSON.stringify(figures.get(layout), (_k, v) => (typeof v === 'number' ? Number(v.toPrecision(4)) : v))}`);
  }
  const base = figures.get('single_brin')!;
  const bars = symbols * weekdays;
  const results: BenchResult[] = [];
  const rows: [keyof LayoutFigures, string, string, boolean][] = [
    ['importBarsPerS', 'import_bars_per_s', 'bars/s', true],
    ['featuresRowsPerS', 'features_rows_per_s', 'rows/s', true],
    ['readSymbolYearMs', 'read_symbol_year_ms', 'ms', false],
    ['readCrossSectionMs', 'read_cross_section_ms', 'ms', false],
    ['read100SymbolsYearMs', 'read_100_symbols_year_ms', 'ms', false],
    ['indexMb', 'index_mb', 'MiB', false],
    ['tableMb', 'table_mb', 'MiB', false],
    ['vacuumS', 'vacuum_s', 's', false],
    ['analyzeS', 'analyze_s', 's', false],
    ['dropYearS', 'drop_year_s', 's', false],
    ['reloadYearS', 'reload_year_s', 's', false],
  ];
  for (const [layout, f] of figures) {
    for (const [key, name, unit, higherIsBetter] of rows) {
      const ours = f[key];
      const ref = base[key];
      results.push({
        name: `scale.layout_${layout}_${name}`, value: ours, unit, limit: `scale.layout_single_brin_${name}`,
        ratio: ours > 0 && ref > 0 ? (higherIsBetter ? ours / ref : ref / ours) : null,
        ...(key === 'importBarsPerS' ? { note: `${symbols} symbols × 20 y = ${bars} bars (prices and as many feature rows)` } : {}),
      });
    }
  }
  return results;
}
