// Booking a trade file into a portfolio's ledger: every row is checked against the stored facts (known symbol,
// exchange session, the day's stored [low, high], trade ids already booked, what the book holds at that point) and
// either booked or quarantined with its reason; the good rows always land. Runs in the caller's transaction, under the
// portfolio's lock, so two bookings of one portfolio cannot both sell the same shares.
import type { EntityManager } from 'typeorm';
import { InputError } from '../contracts/errors';
import type { BookTradesResult } from '../contracts/portfolio';
import type { NewEntry, PortfolioRepository, PortfolioRow, QuarantinedTrade, StoredEntry } from '../repositories/portfolio-repository';
import { Book, Dec, LedgerError, eventsByDate, type LedgerEvent } from './lots';
import type { ParsedTradeFile, TradeEntry } from './trade-file';
import { actionEvents, toLedgerEvent } from './valuation';

/** US equities settle T+2 before 2024-05-28 and T+1 from then (SEC Rule 15c6-1 as amended). */
export function settlementCycle(tradeDate: string): number {
  return tradeDate < '2024-05-28' ? 2 : 1;
}

export interface BookingRequest {
  portfolioId: string;
  /** Named on every booked row and quarantine row (the file path). */
  source: string;
  parsed: ParsedTradeFile;
  /** A price outside the day's stored [low, high] is refused instead of warned about. */
  strict: boolean;
  pipelineRunId: string | null;
}

export interface BookingResult extends BookTradesResult {
  bookedIds: string[];
}

const sameEntry = (e: TradeEntry, s: StoredEntry) =>
  e.kind === s.kind && e.symbol === s.symbol && e.tradeDate === s.tradeDate && [[e.quantity, s.quantity], [e.price, s.price], [e.amount, s.amount], [e.fees, s.fees]]
    .every(([a, b]) => (a === null || b === null ? a === b : new Dec(a).eq(b)));

export async function bookTrades(em: EntityManager, repo: PortfolioRepository, req: BookingRequest): Promise<BookingResult> {
  {
    const portfolio = await repo.find(req.portfolioId, em);
    if (!portfolio) throw new InputError(`portfolio ${req.portfolioId} does not exist (create it with: tickflow portfolio create)`, 'tickflow portfolio import-trades');
    await repo.lock(em, portfolio.id);
    const result: BookingResult = {
      received: req.parsed.entries.length + req.parsed.rejected.length, booked: 0, alreadyBooked: 0, quarantined: 0, warnings: [], earliestDate: null, symbols: [], bookedIds: [],
    };
    const quarantine: QuarantinedTrade[] = req.parsed.rejected.map((r) => ({ ...r }));
    const reject = (e: TradeEntry, reason: string) => quarantine.push({ location: e.location, tradeRef: e.tradeRef, reason, raw: e.raw });

    const stored = await repo.entries(em, portfolio.id);
    const storedByRef = new Map(stored.map((s) => [s.tradeRef, s]));
    const reversedIds = new Set(stored.filter((s) => s.reversesTradeId).map((s) => s.reversesTradeId!));
    let candidates: TradeEntry[] = [];
    for (const e of req.parsed.entries) {
      const existing = storedByRef.get(e.tradeRef);
      if (existing) {
        if (sameEntry(e, existing)) result.alreadyBooked++;
        else reject(e, `trade_id ${e.tradeRef} is already booked (trade ${existing.id} on ${existing.tradeDate}) with other values: correct it with a reversal and a new trade_id`);
        continue;
      }
      if ((e.currency ?? portfolio.currency) !== portfolio.currency) {
        reject(e, `currency ${e.currency} differs from the portfolio's ${portfolio.currency}: one portfolio books one currency`);
        continue;
      }
      candidates.push(e);
    }
    candidates = await checkAgainstStoredFacts(em, repo, candidates, reject, req.strict, result.warnings);
    candidates = checkReversals(candidates, storedByRef, reversedIds, reject);
    candidates = await checkReplay(em, repo, portfolio, stored, reversedIds, candidates, reject);

    const byRef = new Map(stored.map((s) => [s.tradeRef, s.id]));
    const settle = await settlementDates(em, repo, candidates);
    const toNew = (e: TradeEntry): NewEntry => ({
      tradeRef: e.tradeRef, kind: e.kind, symbol: e.symbol, quantity: e.quantity, price: e.price, fees: e.fees, amount: e.amount, currency: portfolio.currency,
      executedAt: e.executedAt, tradeDate: e.tradeDate, settleDate: e.settleDate ?? (e.symbol ? settle(e.tradeDate) : e.tradeDate),
      lots: e.lots, reversesTradeId: e.reverses ? byRef.get(e.reverses) ?? null : null, source: `${req.source}:${e.location.split(':').pop()}`,
    });
    // Entries first, then reversals, whose targets may be rows of this same file.
    const firsts = candidates.filter((e) => e.kind !== 'reversal');
    const ids = await repo.insertEntries(em, portfolio.id, firsts.map(toNew), req.pipelineRunId);
    firsts.forEach((e, i) => byRef.set(e.tradeRef, ids[i]));
    const reversals = candidates.filter((e) => e.kind === 'reversal');
    ids.push(...(await repo.insertEntries(em, portfolio.id, reversals.map(toNew), req.pipelineRunId)));
    await repo.quarantine(em, portfolio.id, req.source, quarantine, req.pipelineRunId);

    result.booked = ids.length;
    result.bookedIds = ids;
    result.quarantined = quarantine.length;
    const storedDates = new Map(stored.map((s) => [s.tradeRef, s.tradeDate]));
    const touched = candidates.flatMap((e) => [e.tradeDate, ...(e.reverses ? [storedDates.get(e.reverses) ?? candidates.find((c) => c.tradeRef === e.reverses)?.tradeDate ?? e.tradeDate] : [])]);
    result.earliestDate = touched.length ? touched.sort()[0] : null;
    result.symbols = [...new Set(candidates.map((e) => e.symbol ?? (e.reverses ? stored.find((s) => s.tradeRef === e.reverses)?.symbol ?? null : null)).filter((s): s is string => !!s))].sort();
    return result;
  }
}

/**
 * The settlement date of a fill traded on a day: its settlement cycle's n-th session after it, from one read of the
 * calendar for all of them (the trade date itself past the stored calendar's end).
 */
async function settlementDates(em: EntityManager, repo: PortfolioRepository, entries: TradeEntry[]): Promise<(tradeDate: string) => string> {
  const days = entries.filter((e) => e.symbol && !e.settleDate).map((e) => e.tradeDate).sort();
  if (days.length === 0) return (d) => d;
  const horizon = new Date(Date.parse(`${days[days.length - 1]}T00:00:00Z`) + 15 * 86_400_000).toISOString().slice(0, 10);
  const sessions = await repo.sessions(em, days[0], horizon);
  return (tradeDate) => {
    const after = sessions.findIndex((d) => d > tradeDate);
    return after < 0 ? tradeDate : sessions[after + settlementCycle(tradeDate) - 1] ?? tradeDate;
  };
}

/** Unknown symbols and non-session trade dates are refused; a price outside the day's range warns (refused with `strict`). */
async function checkAgainstStoredFacts(
  em: EntityManager, repo: PortfolioRepository, entries: TradeEntry[], reject: (e: TradeEntry, reason: string) => void, strict: boolean, warnings: string[],
): Promise<TradeEntry[]> {
  const fills = entries.filter((e) => e.symbol);
  const known = await repo.knownSymbols(em, [...new Set(fills.map((e) => e.symbol!))]);
  const closed = await repo.nonSessions(em, [...new Set(fills.map((e) => e.tradeDate))]);
  const ranges = await repo.dayRanges(em, fills.map((e) => ({ symbol: e.symbol!, day: e.tradeDate })));
  return entries.filter((e) => {
    if (!e.symbol) return true;
    if (!known.has(e.symbol)) return reject(e, `unknown symbol ${e.symbol}: no daily bars are stored for it (import its prices first)`), false;
    if (closed.has(e.tradeDate)) return reject(e, `${e.tradeDate} is not a trading day on the exchange calendar (XNYS)`), false;
    const range = ranges.get(`${e.symbol}|${e.tradeDate}`);
    const price = Number(e.price);
    if (!range) warnings.push(`${e.location}: ${e.symbol} has no stored bar on ${e.tradeDate}; its price was not checked against the day's range`);
    else if (price < range.low || price > range.high) {
      const what = `price ${e.price} is outside ${e.symbol}'s stored range [${range.low}, ${range.high}] on ${e.tradeDate}`;
      if (strict) return reject(e, `${what} (--strict)`), false;
      warnings.push(`${e.location}: ${what}`);
    }
    return true;
  });
}

function checkReversals(entries: TradeEntry[], storedByRef: Map<string, StoredEntry>, reversedIds: Set<string>, reject: (e: TradeEntry, reason: string) => void): TradeEntry[] {
  const inFile = new Map(entries.map((e) => [e.tradeRef, e]));
  const targeted = new Set<string>();
  return entries.filter((e) => {
    if (e.kind !== 'reversal') return true;
    const target = storedByRef.get(e.reverses!) ?? inFile.get(e.reverses!);
    if (!target) return reject(e, `reverses ${e.reverses}, which is not booked in this portfolio`), false;
    if (target.kind === 'reversal') return reject(e, `reverses ${e.reverses}, which is itself a reversal`), false;
    const storedTarget = storedByRef.get(e.reverses!);
    if ((storedTarget && reversedIds.has(storedTarget.id)) || targeted.has(e.reverses!)) return reject(e, `${e.reverses} is already reversed`), false;
    targeted.add(e.reverses!);
    return true;
  });
}

/**
 * Replays the stored ledger with the candidates merged in date order (stored entries first within a date) and drops
 * the candidates the book refuses (a sell of more than is held, a short where shorting is off, an unknown lot). When
 * a stored entry is refused because of earlier candidates, those candidates of its symbol go, and the replay runs again.
 */
async function checkReplay(
  em: EntityManager, repo: PortfolioRepository, portfolio: PortfolioRow, stored: StoredEntry[], reversedIds: Set<string>, candidates: TradeEntry[],
  reject: (e: TradeEntry, reason: string) => void,
): Promise<TradeEntry[]> {
  const cancelled = new Set([...reversedIds, ...candidates.filter((c) => c.reverses).map((c) => c.reverses!)]);
  const storedEvents = stored.filter((s) => !cancelled.has(s.id) && !cancelled.has(s.tradeRef)).map(toLedgerEvent).filter((e): e is LedgerEvent => e !== null);
  const symbols = [...new Set([...stored, ...candidates].map((e) => e.symbol).filter((s): s is string => !!s))];
  const lastDate = [...stored.map((s) => s.tradeDate), ...candidates.map((c) => c.tradeDate)].sort().pop();
  // Splits change what is held; dividends only move cash, which no check reads.
  const actions = lastDate ? actionEvents(await repo.corporateActions(em, symbols, lastDate)).filter((a) => a.type === 'split') : [];
  let live = candidates;
  for (let round = 0; round < 1 + candidates.length; round++) {
    const fresh = new Map<LedgerEvent, TradeEntry>();
    const events: LedgerEvent[] = [...actions, ...storedEvents];
    for (const c of live) {
      if (c.kind === 'reversal' || cancelled.has(c.tradeRef)) continue;
      const e = toLedgerEvent(c)!;
      fresh.set(e, c);
      events.push(e);
    }
    const book = new Book({ method: portfolio.lotMethod, allowShort: portfolio.allowShort });
    const refused = new Set<TradeEntry>();
    let storedFailure: { symbol: string; date: string; message: string } | null = null;
    for (const [day, dayEvents] of eventsByDate(events)) {
      for (const event of dayEvents) {
        try {
          book.applyDay(day, [event]);
        } catch (err) {
          if (!(err instanceof LedgerError)) throw err;
          const candidate = fresh.get(event);
          if (candidate) {
            refused.add(candidate);
            reject(candidate, err.message.replace(/^[^:]+: /, ''));
          } else if (event.type === 'trade') {
            storedFailure = { symbol: event.symbol, date: day, message: err.message };
            break;
          }
        }
      }
      if (storedFailure) break;
    }
    live = live.filter((c) => !refused.has(c));
    if (!storedFailure) return live;
    const sf: { symbol: string; date: string; message: string } = storedFailure;
    const culprits = live.filter((c) => c.symbol === sf.symbol && c.tradeDate <= sf.date);
    for (const c of culprits) reject(c, `would make the booked ledger invalid: ${sf.message}`);
    live = live.filter((c) => !culprits.includes(c));
  }
  return live;
}
