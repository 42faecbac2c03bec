// Owns all SQL on portfolio, trade, trade_quarantine, portfolio_position, portfolio_valuation and performance_metric,
// and the reads of price_data, corporate_action and exchange_calendar that portfolios need. Holds no state: one
// instance serves every concurrent activity.
import type { DataSource, EntityManager } from 'typeorm';
import { copyRows, type CopyValue } from '../db/copy';

export interface PortfolioRow {
  id: string;
  name: string;
  currency: string;
  lotMethod: 'fifo' | 'average' | 'specific';
  allowShort: boolean;
  benchmarkSymbol: string | null;
  createdAt: Date;
}

/** A stored ledger entry as replay needs it; decimals stay strings. */
export interface StoredEntry {
  id: string;
  tradeRef: string;
  kind: 'buy' | 'sell' | 'short' | 'cover' | 'deposit' | 'withdrawal' | 'fee' | 'reversal';
  symbol: string | null;
  quantity: string | null;
  price: string | null;
  fees: string;
  amount: string | null;
  currency: string;
  executedAt: Date;
  tradeDate: string;
  settleDate: string;
  lots: { lot: string; quantity: string }[] | null;
  reversesTradeId: string | null;
  source: string;
  pipelineRunId: string | null;
}

/** An entry about to be booked: a stored entry before it has an id, a run and a parsed instant. */
export type NewEntry = Omit<StoredEntry, 'id' | 'executedAt' | 'pipelineRunId'> & { executedAt: string };

export interface QuarantinedTrade {
  location: string;
  tradeRef: string | null;
  reason: string;
  raw: unknown;
}

export interface ActionRow {
  symbol: string;
  exDate: string;
  kind: 'split' | 'dividend';
  ratio: number | null;
  amount: number | null;
  payDate: string | null;
}

export interface CloseRow {
  symbol: string;
  day: string;
  close: number;
}

export interface PositionRow {
  asOf: string;
  symbol: string;
  quantity: string;
  costBasis: string;
  close: number | null;
  priceDate: string | null;
  marketValue: string;
  realisedPnl: string;
  unrealisedPnl: string;
  dividends: string;
  weight: number | null;
}

export interface ValuationRow {
  asOf: string;
  marketValue: string;
  cash: string;
  accrued: string;
  nav: string;
  externalFlow: string;
  realisedPnl: string;
  unrealisedPnl: string;
  dailyReturn: number | null;
  purchases: string;
  sales: string;
}

export interface MetricRow {
  period: string;
  periodStart: string;
  periodEnd: string;
  metric: string;
  value: number | null;
  conventions: Record<string, unknown>;
}

const ENTRY_COLUMNS = `id::text AS id, trade_ref AS "tradeRef", kind, symbol, quantity::text AS quantity, price::text AS price, fees::text AS fees,
  amount::text AS amount, currency, executed_at AS "executedAt", to_char(trade_date, 'YYYY-MM-DD') AS "tradeDate",
  to_char(settle_date, 'YYYY-MM-DD') AS "settleDate", lots, reverses_trade_id::text AS "reversesTradeId", source, pipeline_run_id AS "pipelineRunId"`;
const PORTFOLIO_COLUMNS = `id, name, currency, lot_method AS "lotMethod", allow_short AS "allowShort", benchmark_symbol AS "benchmarkSymbol", created_at AS "createdAt"`;
const day = (column: string, alias: string) => `to_char(${column}, 'YYYY-MM-DD') AS "${alias}"`;
/** Ledger pages for replay: small enough that memory stays flat in the number of entries. */
export const LEDGER_PAGE = 5000;

export class PortfolioRepository {
  constructor(private readonly ds: DataSource) {}

  private q(em?: EntityManager) {
    return em ?? this.ds.manager;
  }

  async create(p: Omit<PortfolioRow, 'createdAt'>): Promise<PortfolioRow> {
    const [row] = await this.ds.query(
      `INSERT INTO portfolio (id, name, currency, lot_method, allow_short, benchmark_symbol) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${PORTFOLIO_COLUMNS}`,
      [p.id, p.name, p.currency, p.lotMethod, p.allowShort, p.benchmarkSymbol],
    );
    return row;
  }

  async find(id: string, em?: EntityManager): Promise<PortfolioRow | null> {
    const [row] = await this.q(em).query(`SELECT ${PORTFOLIO_COLUMNS} FROM portfolio WHERE id = $1`, [id]);
    return row ?? null;
  }

  async list(): Promise<PortfolioRow[]> {
    return this.ds.query(`SELECT ${PORTFOLIO_COLUMNS} FROM portfolio ORDER BY id`);
  }

  /** Serialises bookings and valuations of one portfolio (a transaction-scoped advisory lock). */
  async lock(em: EntityManager, portfolioId: string): Promise<void> {
    await em.query(`SELECT pg_advisory_xact_lock(hashtext('tickflow.portfolio'), hashtext($1))`, [portfolioId]);
  }

  /** Every stored entry of the portfolio, in booking order. For booking checks; valuation pages through ledgerPages. */
  async entries(em: EntityManager | undefined, portfolioId: string): Promise<StoredEntry[]> {
    return this.q(em).query(`SELECT ${ENTRY_COLUMNS} FROM trade WHERE portfolio_id = $1 ORDER BY trade_date, executed_at, id`, [portfolioId]);
  }

  /** The ledger through `to`, page by page in booking order (keyset pagination on trade_date, executed_at, id). */
  async *ledgerPages(em: EntityManager | undefined, portfolioId: string, to: string): AsyncIterable<StoredEntry[]> {
    let after: [string, Date, string] | null = null;
    for (;;) {
      const params: unknown[] = [portfolioId, to, LEDGER_PAGE];
      const keyset = after ? `AND (trade_date, executed_at, id) > ($4::date, $5::timestamptz, $6::bigint)` : '';
      if (after) params.push(...after);
      const page: StoredEntry[] = await this.q(em).query(
        `SELECT ${ENTRY_COLUMNS} FROM trade WHERE portfolio_id = $1 AND trade_date <= $2 ${keyset} ORDER BY trade_date, executed_at, id LIMIT $3`,
        params,
      );
      if (page.length === 0) return;
      yield page;
      if (page.length < LEDGER_PAGE) return;
      const last = page[page.length - 1];
      after = [last.tradeDate, last.executedAt, last.id];
    }
  }

  /** Ids of entries that a reversal cancels, through `to`. */
  async reversedIds(em: EntityManager | undefined, portfolioId: string, to: string): Promise<Set<string>> {
    const rows: { id: string }[] = await this.q(em).query(
      `SELECT reverses_trade_id::text AS id FROM trade WHERE portfolio_id = $1 AND kind = 'reversal' AND trade_date <= $2`, [portfolioId, to],
    );
    return new Set(rows.map((r) => r.id));
  }

  async insertEntries(em: EntityManager, portfolioId: string, entries: NewEntry[], pipelineRunId: string | null): Promise<string[]> {
    if (entries.length === 0) return [];
    const rows: { id: string }[] = await em.query(
      `INSERT INTO trade (portfolio_id, trade_ref, kind, symbol, quantity, price, fees, amount, currency, executed_at, trade_date, settle_date, lots,
         reverses_trade_id, source, pipeline_run_id)
       SELECT $1, e.trade_ref, e.kind, e.symbol, e.quantity, e.price, e.fees, e.amount, e.currency, e.executed_at, e.trade_date, e.settle_date, e.lots,
         e.reverses_trade_id, e.source, $3
       FROM jsonb_to_recordset($2::jsonb) AS e(trade_ref text, kind text, symbol text, quantity numeric, price numeric, fees numeric, amount numeric,
         currency text, executed_at timestamptz, trade_date date, settle_date date, lots jsonb, reverses_trade_id bigint, source text)
       RETURNING id::text AS id`,
      [portfolioId, JSON.stringify(entries.map((e) => ({
        trade_ref: e.tradeRef, kind: e.kind, symbol: e.symbol, quantity: e.quantity, price: e.price, fees: e.fees, amount: e.amount, currency: e.currency,
        executed_at: e.executedAt, trade_date: e.tradeDate, settle_date: e.settleDate, lots: e.lots, reverses_trade_id: e.reversesTradeId, source: e.source,
      }))), pipelineRunId],
    );
    return rows.map((r) => r.id);
  }

  async quarantine(em: EntityManager, portfolioId: string, source: string, rows: QuarantinedTrade[], pipelineRunId: string | null): Promise<number> {
    if (rows.length === 0) return 0;
    return copyRows(em, 'trade_quarantine', ['portfolio_id', 'source', 'location', 'trade_ref', 'reason', 'raw', 'pipeline_run_id'],
      rows.map((r) => [portfolioId, source, r.location, r.tradeRef, r.reason, JSON.stringify(r.raw ?? null), pipelineRunId]));
  }

  async quarantined(portfolioId: string, limit = 100): Promise<(QuarantinedTrade & { createdAt: Date; pipelineRunId: string | null })[]> {
    return this.ds.query(
      `SELECT location, trade_ref AS "tradeRef", reason, raw, created_at AS "createdAt", pipeline_run_id AS "pipelineRunId"
       FROM trade_quarantine WHERE portfolio_id = $1 ORDER BY id DESC LIMIT $2`, [portfolioId, limit],
    );
  }

  /** Symbols (of those given) that have daily bars stored. */
  async knownSymbols(em: EntityManager | undefined, symbols: string[]): Promise<Set<string>> {
    if (symbols.length === 0) return new Set();
    const rows: { symbol: string }[] = await this.q(em).query(
      `SELECT s AS symbol FROM unnest($1::text[]) s WHERE EXISTS (SELECT 1 FROM price_data p WHERE p.symbol = s AND p.interval = '1d')`, [symbols],
    );
    return new Set(rows.map((r) => r.symbol));
  }

  /** The stored daily [low, high] of each (symbol, day) asked for that has a bar. Key: `${symbol}|${day}`. */
  async dayRanges(em: EntityManager | undefined, pairs: { symbol: string; day: string }[]): Promise<Map<string, { low: number; high: number }>> {
    if (pairs.length === 0) return new Map();
    const rows: { symbol: string; day: string; low: number; high: number }[] = await this.q(em).query(
      `SELECT p.symbol, ${day('(p.ts AT TIME ZONE \'UTC\')::date', 'day')}, p.low, p.high
       FROM unnest($1::text[], $2::date[]) AS k(symbol, day)
       JOIN price_data p ON p.symbol = k.symbol AND p.interval = '1d' AND p.ts >= k.day::timestamp AT TIME ZONE 'UTC' AND p.ts < (k.day + 1)::timestamp AT TIME ZONE 'UTC'`,
      [pairs.map((p) => p.symbol), pairs.map((p) => p.day)],
    );
    return new Map(rows.map((r) => [`${r.symbol}|${r.day}`, { low: r.low, high: r.high }]));
  }

  /** Exchange sessions in [from, to] (XNYS calendar rows). */
  async sessions(em: EntityManager | undefined, from: string, to: string): Promise<string[]> {
    const rows: { day: string }[] = await this.q(em).query(
      `SELECT ${day('day', 'day')} FROM exchange_calendar WHERE exchange = 'XNYS' AND trading AND day BETWEEN $1 AND $2 ORDER BY day`, [from, to],
    );
    return rows.map((r) => r.day);
  }

  /** Which of the given days are not exchange sessions (weekends, holidays, or outside the stored calendar). */
  async nonSessions(em: EntityManager | undefined, days: string[]): Promise<Set<string>> {
    if (days.length === 0) return new Set();
    const rows: { day: string }[] = await this.q(em).query(
      `SELECT d AS day FROM unnest($1::text[]) d WHERE NOT EXISTS (SELECT 1 FROM exchange_calendar c WHERE c.exchange = 'XNYS' AND c.day = d::date AND c.trading)`,
      [days],
    );
    return new Set(rows.map((r) => r.day));
  }

  async corporateActions(em: EntityManager | undefined, symbols: string[], to: string): Promise<ActionRow[]> {
    if (symbols.length === 0) return [];
    return this.q(em).query(
      `SELECT symbol, ${day('ex_date', 'exDate')}, kind, ratio, amount, ${day('pay_date', 'payDate')}
       FROM corporate_action WHERE symbol = ANY($1) AND ex_date <= $2 ORDER BY ex_date, symbol, kind`, [symbols, to],
    );
  }

  /** Raw daily closes of `symbols` with bar dates in [from, to], by date. Point in time: only bars stored by then exist. */
  async closes(em: EntityManager | undefined, symbols: string[], from: string, to: string): Promise<CloseRow[]> {
    if (symbols.length === 0) return [];
    return this.q(em).query(
      `SELECT symbol, ${day('(ts AT TIME ZONE \'UTC\')::date', 'day')}, close FROM price_data
       WHERE symbol = ANY($1) AND interval = '1d' AND ts >= $2::date::timestamp AT TIME ZONE 'UTC' AND ts < ($3::date + 1)::timestamp AT TIME ZONE 'UTC'
       ORDER BY ts`, [symbols, from, to],
    );
  }

  /** Each symbol's last close strictly before `day`. */
  async lastClosesBefore(em: EntityManager | undefined, symbols: string[], dayOf: string): Promise<CloseRow[]> {
    if (symbols.length === 0) return [];
    return this.q(em).query(
      `SELECT s AS symbol, ${day('(p.ts AT TIME ZONE \'UTC\')::date', 'day')}, p.close FROM unnest($1::text[]) s
       CROSS JOIN LATERAL (SELECT ts, close FROM price_data WHERE symbol = s AND interval = '1d' AND ts < $2::date::timestamp AT TIME ZONE 'UTC'
         ORDER BY ts DESC LIMIT 1) p`, [symbols, dayOf],
    );
  }

  /** Replaces the portfolio's positions and valuations for [from, to] with the given rows (idempotent per date). */
  async replaceValuations(em: EntityManager, portfolioId: string, from: string, to: string, positions: PositionRow[], valuations: ValuationRow[], pipelineRunId: string | null): Promise<void> {
    await em.query(`DELETE FROM portfolio_position WHERE portfolio_id = $1 AND as_of BETWEEN $2 AND $3`, [portfolioId, from, to]);
    await em.query(`DELETE FROM portfolio_valuation WHERE portfolio_id = $1 AND as_of BETWEEN $2 AND $3`, [portfolioId, from, to]);
    const now = new Date();
    await copyRows(em, 'portfolio_position', ['portfolio_id', 'as_of', 'symbol', 'quantity', 'cost_basis', 'close', 'price_date', 'market_value', 'realised_pnl',
      'unrealised_pnl', 'dividends', 'weight', 'pipeline_run_id', 'computed_at'],
    positions.map((p): CopyValue[] => [portfolioId, p.asOf, p.symbol, p.quantity, p.costBasis, p.close, p.priceDate, p.marketValue, p.realisedPnl, p.unrealisedPnl,
      p.dividends, p.weight, pipelineRunId, now]));
    await copyRows(em, 'portfolio_valuation', ['portfolio_id', 'as_of', 'market_value', 'cash', 'accrued', 'nav', 'external_flow', 'realised_pnl', 'unrealised_pnl',
      'daily_return', 'purchases', 'sales', 'pipeline_run_id', 'computed_at'],
    valuations.map((v): CopyValue[] => [portfolioId, v.asOf, v.marketValue, v.cash, v.accrued, v.nav, v.externalFlow, v.realisedPnl, v.unrealisedPnl, v.dailyReturn,
      v.purchases, v.sales, pipelineRunId, now]));
  }

  /** The NAV of the last valued date before `day`, for the first return of a range. */
  async navBefore(em: EntityManager | undefined, portfolioId: string, dayOf: string): Promise<{ asOf: string; nav: string } | null> {
    const [row] = await this.q(em).query(
      `SELECT ${day('as_of', 'asOf')}, nav::text AS nav FROM portfolio_valuation WHERE portfolio_id = $1 AND as_of < $2 ORDER BY as_of DESC LIMIT 1`, [portfolioId, dayOf],
    );
    return row ?? null;
  }

  async valuations(portfolioId: string, from?: string, to?: string, em?: EntityManager): Promise<ValuationRow[]> {
    return this.q(em).query(
      `SELECT ${day('as_of', 'asOf')}, market_value::text AS "marketValue", cash::text AS cash, accrued::text AS accrued, nav::text AS nav,
         external_flow::text AS "externalFlow", realised_pnl::text AS "realisedPnl", unrealised_pnl::text AS "unrealisedPnl", daily_return AS "dailyReturn",
         purchases::text AS purchases, sales::text AS sales
       FROM portfolio_valuation WHERE portfolio_id = $1 AND as_of >= coalesce($2::date, '-infinity') AND as_of <= coalesce($3::date, 'infinity') ORDER BY as_of`,
      [portfolioId, from ?? null, to ?? null],
    );
  }

  /** Positions at the close of `asOf` (default: the latest valued date). */
  async positions(portfolioId: string, asOf?: string): Promise<PositionRow[]> {
    return this.ds.query(
      `SELECT ${day('as_of', 'asOf')}, symbol, quantity::text AS quantity, cost_basis::text AS "costBasis", close, ${day('price_date', 'priceDate')},
         market_value::text AS "marketValue", realised_pnl::text AS "realisedPnl", unrealised_pnl::text AS "unrealisedPnl", dividends::text AS dividends, weight
       FROM portfolio_position WHERE portfolio_id = $1
         AND as_of = coalesce($2::date, (SELECT max(as_of) FROM portfolio_position WHERE portfolio_id = $1))
       ORDER BY symbol = '$CASH', symbol`, [portfolioId, asOf ?? null],
    );
  }

  /** The benchmark's total-return closes (adjusted where stored) over a range, for alpha/beta and tracking error. */
  async benchmarkCloses(em: EntityManager | undefined, symbol: string, from: string, to: string): Promise<{ day: string; close: number }[]> {
    return this.q(em).query(
      `SELECT ${day('(ts AT TIME ZONE \'UTC\')::date', 'day')}, coalesce(adj_close, close) AS close FROM price_data
       WHERE symbol = $1 AND interval = '1d' AND ts >= $2::date::timestamp AT TIME ZONE 'UTC' AND ts < ($3::date + 1)::timestamp AT TIME ZONE 'UTC' ORDER BY ts`,
      [symbol, from, to],
    );
  }

  async replaceMetrics(em: EntityManager, portfolioId: string, rows: MetricRow[], pipelineRunId: string | null): Promise<void> {
    await em.query(`DELETE FROM performance_metric WHERE subject_type = 'portfolio' AND subject_id = $1`, [portfolioId]);
    if (rows.length === 0) return;
    await em.query(
      `INSERT INTO performance_metric (subject_type, subject_id, period, period_start, period_end, metric, value, conventions, pipeline_run_id)
       SELECT 'portfolio', $1, m.period, m.period_start, m.period_end, m.metric, m.value, m.conventions, $3
       FROM jsonb_to_recordset($2::jsonb) AS m(period text, period_start date, period_end date, metric text, value double precision, conventions jsonb)`,
      [portfolioId, JSON.stringify(rows.map((r) => ({
        period: r.period, period_start: r.periodStart, period_end: r.periodEnd, metric: r.metric, value: Number.isFinite(r.value) ? r.value : null, conventions: r.conventions,
      }))), pipelineRunId],
    );
  }

  async metrics(portfolioId: string): Promise<MetricRow[]> {
    return this.ds.query(
      `SELECT period, ${day('period_start', 'periodStart')}, ${day('period_end', 'periodEnd')}, metric, value, conventions
       FROM performance_metric WHERE subject_type = 'portfolio' AND subject_id = $1 ORDER BY period_start, period, metric`, [portfolioId],
    );
  }

  /** Portfolios that have ever traded any of `symbols` (so a price update revalues them). */
  async holding(symbols: string[]): Promise<string[]> {
    if (symbols.length === 0) return [];
    const rows: { id: string }[] = await this.ds.query(`SELECT DISTINCT portfolio_id AS id FROM trade WHERE symbol = ANY($1) ORDER BY 1`, [symbols]);
    return rows.map((r) => r.id);
  }

  /** Symbols the ledger has traded through `to`. */
  async ledgerSymbols(em: EntityManager | undefined, portfolioId: string, to: string): Promise<string[]> {
    const rows: { symbol: string }[] = await this.q(em).query(
      `SELECT DISTINCT symbol FROM trade WHERE portfolio_id = $1 AND symbol IS NOT NULL AND trade_date <= $2 ORDER BY 1`, [portfolioId, to],
    );
    return rows.map((r) => r.symbol);
  }

  /** The first and last dates of the ledger. */
  async ledgerSpan(em: EntityManager | undefined, portfolioId: string): Promise<{ first: string; last: string } | null> {
    const [row] = await this.q(em).query(
      `SELECT ${day('min(trade_date)', 'first')}, ${day('max(trade_date)', 'last')} FROM trade WHERE portfolio_id = $1`, [portfolioId],
    );
    return row?.first ? row : null;
  }
}
