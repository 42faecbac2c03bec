// A fresh database migrates all the way up, all the way down, and up again.
import { Client } from 'pg';
import { openDataSource } from '../../src/db/data-source';
import { testAdminUrl, testDbName } from '../helpers/services';
import { migrations } from '../../migrations';
import { CALENDAR_YEARS, nyseCalendar, nyseHolidays, type CalendarDay } from '../../src/calendar/nyse-calendar';

type CalendarRow = CalendarDay & { holiday: string | null };


describe('migrations', () => {
  const dbName = `${testDbName()}_migrations`;
  const url = new URL(testAdminUrl());
  url.pathname = `/${dbName}`;

  beforeAll(async () => {
    const admin = new Client({ connectionString: testAdminUrl() });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${dbName}"`);
    await admin.end();
  });

  async function tables(ds: Awaited<ReturnType<typeof openDataSource>>): Promise<string[]> {
    const rows = await ds.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'tickflow_migrations' ORDER BY 1`);
    return rows.map((r: { tablename: string }) => r.tablename);
  }

  it('goes up, down to nothing, and up again', async () => {
    const ds = await openDataSource({ url: url.toString() });
    try {
      expect(await ds.showMigrations()).toBe(true);
      const applied = await ds.runMigrations({ transaction: 'each' });
      expect(applied.map((m) => m.name)).toEqual(migrations.map((m) => m.name));
      const created = await tables(ds);
      // Every entity's table exists: entities and migrations agree.
      expect(created).toEqual(expect.arrayContaining([...new Set(ds.entityMetadatas.map((e) => e.tableName))]));
      expect(created).toEqual(expect.arrayContaining(['price_data', 'feature_data', 'pipeline_run', 'data_lineage', 'corporate_action']));
      const views = await ds.query(`SELECT viewname FROM pg_views WHERE schemaname = 'public'`);
      expect(views.map((v: { viewname: string }) => v.viewname)).toEqual(['feature_values']);

      for (let i = 0; i < migrations.length; i++) await ds.undoLastMigration({ transaction: 'each' });
      expect(await tables(ds)).toEqual([]);
      expect(await ds.showMigrations()).toBe(true);

      await ds.runMigrations({ transaction: 'each' });
      expect(await tables(ds)).toEqual(created);
      expect(await ds.showMigrations()).toBe(false);
    } finally {
      await ds.destroy();
    }
  });

  it('stores the NYSE calendar the calendar module computes (the migration\'s frozen copy matches it)', async () => {
    const ds = await openDataSource({ url: url.toString() });
    try {
      const stored: CalendarRow[] = await ds.query(`SELECT day::text, trading, ordinal, holiday FROM exchange_calendar WHERE exchange = 'XNYS' ORDER BY day`);
      const names = new Map(nyseHolidays(CALENDAR_YEARS.from, CALENDAR_YEARS.to).map((h) => [h.day, h.name]));
      const live = nyseCalendar(CALENDAR_YEARS.from, CALENDAR_YEARS.to).map((d) => ({ ...d, holiday: names.get(d.day) ?? null }));
      expect(stored.length).toBe(live.length);
      expect(stored).toEqual(live);
    } finally {
      await ds.destroy();
    }
  });

  it('keeps trades append-only in the database itself', async () => {
    const ds = await openDataSource({ url: url.toString() });
    try {
      await ds.query(`INSERT INTO portfolio (id, name, lot_method) VALUES ('p1', 'p1', 'fifo')`);
      const [t] = await ds.query(
        `INSERT INTO trade (portfolio_id, trade_ref, kind, symbol, quantity, price, currency, executed_at, trade_date, settle_date, source)
         VALUES ('p1', 't1', 'buy', 'AAPL', 10, 150, 'USD', now(), '2020-01-02', '2020-01-06', 'test') RETURNING id`,
      );
      await expect(ds.query(`UPDATE trade SET price = 1 WHERE id = $1`, [t.id])).rejects.toThrow(`trade is append-only: UPDATE refused on trade ${t.id}`);
      await expect(ds.query(`DELETE FROM trade WHERE id = $1`, [t.id])).rejects.toThrow('trade is append-only: DELETE refused');
      // A correction is a reversal row naming the entry, and only one reversal per entry.
      const reversal = `INSERT INTO trade (portfolio_id, trade_ref, kind, currency, executed_at, trade_date, settle_date, source, reverses_trade_id)
        VALUES ('p1', $1, 'reversal', 'USD', now(), '2020-01-03', '2020-01-03', 'test', $2)`;
      await ds.query(reversal, ['r1', t.id]);
      await expect(ds.query(reversal, ['r2', t.id])).rejects.toThrow(/trade_reversed_once/);
    } finally {
      await ds.destroy();
    }
  });
});
