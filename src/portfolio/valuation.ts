// Daily valuation: replays a portfolio's ledger from inception (reversed entries and their reversals left out),
// applies corporate actions on their ex-dates, and values every exchange session in [from, to] at the stored raw
// close of that day (or the latest earlier close, whose date is kept on the row). Point in time: a day's row uses
// only entries traded by that day and bars stored for dates up to it.
//
// Memory stays flat in the number of entries and dates: the ledger is read in pages, closes one window of sessions
// at a time, and each window is written in its own transaction (idempotent per date), so a resumed valuation
// continues after the last window it committed.
import type { DataSource, EntityManager } from 'typeorm';
import { InputError } from '../contracts/errors';
import type { ValuePortfolioResult } from '../contracts/portfolio';
import type { PortfolioRepository, PositionRow, StoredEntry, ValuationRow } from '../repositories/portfolio-repository';
import { Book, Dec, type LedgerEvent } from './lots';

export const CASH_SYMBOL = '$CASH';
/** Sessions valued and written per transaction. */
export const VALUATION_WINDOW = 63;

export interface ValuationRequest {
  portfolioId: string;
  from: string;
  to: string;
  pipelineRunId: string | null;
  /** Resume: sessions on or before this day were already written by an earlier attempt. */
  resumeAfter?: string | null;
}

export interface ValuationSummary extends ValuePortfolioResult {
  portfolioId: string;
  from: string;
  to: string;
}

const ZERO = new Dec(0);

/** What the lot engine reads of a ledger entry, stored or about to be booked. */
export type EntryFields = Pick<StoredEntry, 'tradeRef' | 'kind' | 'symbol' | 'quantity' | 'price' | 'fees' | 'amount' | 'tradeDate' | 'lots'>;

/** A ledger entry as a lot-engine event; null for entries the replay leaves out (reversals). */
export function toLedgerEvent(e: EntryFields): LedgerEvent | null {
  switch (e.kind) {
    case 'buy': case 'sell': case 'short': case 'cover':
      return {
        type: 'trade', id: e.tradeRef, side: e.kind, symbol: e.symbol!, tradeDate: e.tradeDate, quantity: new Dec(e.quantity!), price: new Dec(e.price!),
        fees: new Dec(e.fees), ...(e.lots ? { lots: e.lots.map((l) => ({ lotId: l.lot, quantity: new Dec(l.quantity) })) } : {}),
      };
    case 'deposit': case 'withdrawal': case 'fee':
      return { type: 'cash', id: e.tradeRef, kind: e.kind, date: e.tradeDate, amount: new Dec(e.amount!) };
    case 'reversal':
      return null;
  }
}

interface DayActivity {
  flow: Dec;
  purchases: Dec;
  sales: Dec;
}

/** Feeds a book day by day from the paged ledger and the corporate actions, and records each day's flows. */
class LedgerReplay {
  readonly book: Book;
  private pages: AsyncIterator<StoredEntry[]>;
  /** The current page, read by index: the page belongs to the generator (it reads its last row to page on). */
  private pending: StoredEntry[] = [];
  private at = 0;
  private exhausted = false;
  private actionAt = 0;

  constructor(
    lotMethod: 'fifo' | 'average' | 'specific', allowShort: boolean,
    pages: AsyncIterable<StoredEntry[]>, private readonly reversed: Set<string>, private readonly actions: LedgerEvent[],
    private readonly onPage: () => void,
  ) {
    this.book = new Book({ method: lotMethod, allowShort });
    this.pages = pages[Symbol.asyncIterator]();
  }

  /** The next date (≤ `limit`) on which something happens, or null. */
  async nextEventDate(limit: string): Promise<string | null> {
    await this.fill();
    const ledger = this.pending[this.at]?.tradeDate;
    const action = this.actions[this.actionAt] as { exDate: string } | undefined;
    const candidates = [ledger, action?.exDate].filter((d): d is string => d !== undefined && d <= limit);
    return candidates.length ? candidates.sort()[0] : null;
  }

  private async fill(): Promise<void> {
    while (this.at >= this.pending.length && !this.exhausted) {
      const next = await this.pages.next();
      if (next.done) this.exhausted = true;
      else {
        this.pending = next.value;
        this.at = 0;
        this.onPage();
      }
    }
  }

  /** Applies everything dated `day` (and pays dividends due by it); returns that day's external flow and trading. */
  async applyDay(day: string): Promise<DayActivity> {
    const events: LedgerEvent[] = [];
    const activity: DayActivity = { flow: ZERO, purchases: ZERO, sales: ZERO };
    while (this.actionAt < this.actions.length && (this.actions[this.actionAt] as { exDate: string }).exDate <= day) events.push(this.actions[this.actionAt++]);
    for (;;) {
      await this.fill();
      if (this.at >= this.pending.length || this.pending[this.at].tradeDate > day) break;
      const entry = this.pending[this.at++];
      if (this.reversed.has(entry.id)) continue;
      const event = toLedgerEvent(entry);
      if (!event) continue;
      events.push(event);
      if (event.type === 'cash' && event.kind !== 'fee') activity.flow = event.kind === 'deposit' ? activity.flow.plus(event.amount) : activity.flow.minus(event.amount);
      if (event.type === 'trade') {
        const gross = event.quantity.times(event.price);
        if (event.side === 'buy' || event.side === 'cover') activity.purchases = activity.purchases.plus(gross);
        else activity.sales = activity.sales.plus(gross);
      }
    }
    this.book.applyDay(day, events);
    return activity;
  }
}

/** Stored corporate actions as lot-engine events (splits with a ratio, dividends with an amount). */
export function actionEvents(rows: Awaited<ReturnType<PortfolioRepository['corporateActions']>>): LedgerEvent[] {
  return rows.flatMap((a): LedgerEvent[] => {
    if (a.kind === 'split' && a.ratio) return [{ type: 'split', symbol: a.symbol, exDate: a.exDate, ratio: new Dec(a.ratio) }];
    if (a.kind === 'dividend' && a.amount) return [{ type: 'dividend', symbol: a.symbol, exDate: a.exDate, perShare: new Dec(a.amount), ...(a.payDate ? { payDate: a.payDate } : {}) }];
    return [];
  });
}

interface DayValue {
  positions: PositionRow[];
  valuation: Omit<ValuationRow, 'dailyReturn' | 'externalFlow' | 'purchases' | 'sales'>;
}

/** Decimal → string, remembered per value: a holding's quantity and cost stay the same objects until they change. */
class StringCache {
  private readonly seen = new WeakMap<Dec, string>();
  of(d: Dec): string {
    let s = this.seen.get(d);
    if (s === undefined) this.seen.set(d, (s = d.toString()));
    return s;
  }
}

/** Values the book at the close of `day` from the latest closes known by then. */
function valueDay(book: Book, day: string, lastClose: Map<string, { day: string; close: number }>, strings = new StringCache()): DayValue {
  const positions: PositionRow[] = [];
  let marketValue = ZERO;
  let realised = ZERO;
  let unrealised = ZERO;
  for (const [symbol, b] of book.symbols) {
    realised = realised.plus(b.realised);
    if (b.quantity.isZero()) continue;
    const px = lastClose.get(symbol);
    if (!px) throw new InputError(`${symbol} is held on ${day} but has no stored daily close on or before that day: import its prices first`, 'portfolio valuation');
    const mv = b.quantity.times(px.close);
    const upnl = mv.minus(b.cost);
    marketValue = marketValue.plus(mv);
    unrealised = unrealised.plus(upnl);
    positions.push({
      asOf: day, symbol, quantity: strings.of(b.quantity), costBasis: strings.of(b.cost), close: px.close, priceDate: px.day, marketValue: mv.toString(),
      realisedPnl: strings.of(b.realised), unrealisedPnl: upnl.toString(), dividends: strings.of(b.dividends), weight: null,
    });
  }
  const nav = marketValue.plus(book.cash).plus(book.accrued);
  positions.push({
    asOf: day, symbol: CASH_SYMBOL, quantity: book.cash.toString(), costBasis: book.cash.toString(), close: 1, priceDate: day, marketValue: book.cash.toString(),
    realisedPnl: '0', unrealisedPnl: '0', dividends: '0', weight: null,
  });
  const navNumber = nav.toNumber();
  for (const p of positions) p.weight = navNumber === 0 ? null : Number(p.marketValue) / navNumber; // a double, like the prices
  return {
    positions,
    valuation: {
      asOf: day, marketValue: marketValue.toString(), cash: book.cash.toString(), accrued: book.accrued.toString(), nav: nav.toString(),
      realisedPnl: realised.toString(), unrealisedPnl: unrealised.toString(),
    },
  };
}

/**
 * Values [from, to]. `onWindow` runs after each committed window with the last day it wrote (heartbeat it); the last
 * window's transaction also runs `inLastTransaction` (the lineage row), so the final write and its record commit together.
 */
export async function valuePortfolio(
  ds: DataSource,
  repo: PortfolioRepository,
  req: ValuationRequest,
  hooks: { onWindow?: (lastDay: string) => void; onProgress?: () => void; inLastTransaction?: (em: EntityManager, summary: ValuationSummary) => Promise<void> } = {},
): Promise<ValuationSummary> {
  const portfolio = await repo.find(req.portfolioId);
  if (!portfolio) throw new InputError(`portfolio ${req.portfolioId} does not exist (create it with: tickflow portfolio create)`, 'portfolio valuation');
  if (req.from > req.to) throw new InputError(`from ${req.from} is after to ${req.to}`, 'portfolio valuation');
  const symbols = await repo.ledgerSymbols(undefined, req.portfolioId, req.to);
  const replay = new LedgerReplay(
    portfolio.lotMethod, portfolio.allowShort, repo.ledgerPages(undefined, req.portfolioId, req.to),
    await repo.reversedIds(undefined, req.portfolioId, req.to), actionEvents(await repo.corporateActions(undefined, symbols, req.to)),
    () => hooks.onProgress?.(),
  );
  const sessions = await repo.sessions(undefined, req.from, req.to);
  const summary: ValuationSummary = { portfolioId: req.portfolioId, from: req.from, to: req.to, sessions: sessions.length, positionRows: 0, nav: null, realisedPnl: null, unrealisedPnl: null, lastDay: null };

  // Replay everything before the first session, then value the session before it for the first day's return.
  const firstSession = sessions[0] ?? req.to;
  const beforeFirst = new Date(Date.parse(`${firstSession}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  for (let d = await replay.nextEventDate(beforeFirst); d; d = await replay.nextEventDate(beforeFirst)) await replay.applyDay(d);
  const lastClose = new Map<string, { day: string; close: number }>();
  for (const c of await repo.lastClosesBefore(undefined, symbols, firstSession)) lastClose.set(c.symbol, { day: c.day, close: c.close });
  let previousNav: Dec | null = replay.book.symbols.size > 0 || !replay.book.cash.isZero() ? new Dec(valueDay(replay.book, beforeFirst, lastClose).valuation.nav) : null;

  // Three things overlap: reading the next window's closes, computing this window, and writing the previous one
  // (each on its own connection). At most one write is in flight; its commit is what the heartbeat reports.
  const windows: string[][] = [];
  for (let w = 0; w < sessions.length; w += VALUATION_WINDOW) windows.push(sessions.slice(w, w + VALUATION_WINDOW));
  const readCloses = (win: string[] | undefined) => (win ? repo.closes(undefined, symbols, win[0], win[win.length - 1]) : Promise.resolve([]));
  let nextCloses = readCloses(windows[0]);
  let writing: Promise<void> | null = null;
  const strings = new StringCache();
  for (let wi = 0; wi < windows.length; wi++) {
    const window = windows[wi];
    const closes = await nextCloses;
    nextCloses = readCloses(windows[wi + 1]);
    nextCloses.catch(() => {}); // awaited on the next turn; never an unhandled rejection meanwhile
    let ci = 0;
    const positions: PositionRow[] = [];
    const valuations: ValuationRow[] = [];
    for (const day of window) {
      // Non-session event days (a weekend deposit) are applied before the next session.
      for (let d = await replay.nextEventDate(day); d && d < day; d = await replay.nextEventDate(day)) await replay.applyDay(d);
      const activity = await replay.applyDay(day);
      while (ci < closes.length && closes[ci].day <= day) {
        lastClose.set(closes[ci].symbol, { day: closes[ci].day, close: closes[ci].close });
        ci++;
      }
      const value = valueDay(replay.book, day, lastClose, strings);
      const nav = new Dec(value.valuation.nav);
      const start = previousNav === null ? null : previousNav.plus(activity.flow);
      const dailyReturn = start === null || start.isZero() ? null : nav.dividedBy(start).minus(1).toNumber();
      previousNav = nav;
      positions.push(...value.positions);
      valuations.push({
        ...value.valuation, externalFlow: activity.flow.toString(), purchases: activity.purchases.toString(), sales: activity.sales.toString(), dailyReturn,
      });
    }
    const lastDay = window[window.length - 1];
    summary.positionRows += positions.length;
    const closing = valuations[valuations.length - 1];
    summary.lastDay = lastDay;
    summary.nav = closing.nav;
    summary.realisedPnl = closing.realisedPnl;
    summary.unrealisedPnl = closing.unrealisedPnl;
    const isLast = wi === windows.length - 1;
    if (req.resumeAfter && lastDay <= req.resumeAfter && !isLast) continue; // written by an earlier attempt
    if (writing) await writing;
    writing = ds.transaction(async (em) => {
      await repo.lock(em, req.portfolioId);
      await repo.replaceValuations(em, req.portfolioId, window[0], lastDay, positions, valuations, req.pipelineRunId);
      if (isLast && hooks.inLastTransaction) await hooks.inLastTransaction(em, { ...summary });
    }).then(() => hooks.onWindow?.(lastDay));
    writing.catch(() => {});
  }
  if (writing) await writing;
  if (sessions.length === 0 && hooks.inLastTransaction) await ds.transaction((em) => hooks.inLastTransaction!(em, summary));
  return summary;
}
