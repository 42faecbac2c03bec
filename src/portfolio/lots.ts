// The lot engine: replays a portfolio's ledger (trades, cash movements, corporate actions) into lots, cash and
// realised P&L, in decimal arithmetic. Pure and deterministic: the same events in give the same book out, so a
// valuation can be recomputed from any date and compared.
//
// Conventions:
// - Trade-date accounting: positions and cash change on the trade date; the settlement date is carried, not used.
// - A lot's `cost` is the cash paid to open it, fees included (a short lot's cost is minus the net proceeds), so
//   realised P&L = the closing trade's net cash − the cost relieved, for longs and shorts alike.
// - On each date, corporate actions with that ex-date apply first (before that day's trades are matched), then
//   dividends whose pay date it is move from accrued to cash, then the day's trades and cash movements in order.
// - A dividend is owed on the quantity held at the start of its ex-date (shorts pay it); it accrues from the ex-date
//   and is credited on the pay date, or on the ex-date when the source gives no pay date.
// - Splits multiply every lot's quantity by the ratio and leave its cost alone (per-share cost divides by it).
import Decimal from 'decimal.js';

/** 34 significant digits, the precision of IEEE 754 decimal128: money and share counts never round here. */
export const Dec = Decimal.clone({ precision: 34, rounding: Decimal.ROUND_HALF_EVEN });
export type Dec = Decimal;

export type LotMethod = 'fifo' | 'average' | 'specific';
export type TradeSide = 'buy' | 'sell' | 'short' | 'cover';

export interface LedgerTrade {
  type: 'trade';
  id: string;
  side: TradeSide;
  symbol: string;
  /** YYYY-MM-DD */
  tradeDate: string;
  /** Positive share count. */
  quantity: Dec;
  price: Dec;
  fees: Dec;
  /** Specific-lot relief: which lots (by opening trade id) a sell or cover closes, and how much of each. */
  lots?: { lotId: string; quantity: Dec }[];
}

export interface CashMovement {
  type: 'cash';
  id: string;
  kind: 'deposit' | 'withdrawal' | 'fee';
  date: string;
  /** Positive amount; the kind gives the sign. */
  amount: Dec;
}

export interface SplitAction {
  type: 'split';
  symbol: string;
  exDate: string;
  /** New shares per old share: 4-for-1 → 4, 1-for-10 reverse split → 0.1. */
  ratio: Dec;
}

export interface DividendAction {
  type: 'dividend';
  symbol: string;
  exDate: string;
  payDate?: string;
  perShare: Dec;
}

export type LedgerEvent = LedgerTrade | CashMovement | SplitAction | DividendAction;

export interface Lot {
  /** The id of the trade that opened it ("avg" for an average-cost pool). */
  id: string;
  openedOn: string;
  /** Signed: negative for a short lot. */
  quantity: Dec;
  /** Signed cash paid to open, fees included. */
  cost: Dec;
}

export interface SymbolBook {
  lots: Lot[];
  /** Sums over `lots`, kept as they change so a day's valuation does not walk every lot. */
  quantity: Dec;
  cost: Dec;
  realised: Dec;
  /** Dividends credited (or paid, for shorts) so far. */
  dividends: Dec;
}

/** Raised when an event cannot be booked as given; the message says which event and why. */
export class LedgerError extends Error {
  override name = 'LedgerError';
  constructor(readonly eventId: string, message: string) {
    super(`${eventId}: ${message}`);
  }
}

const ZERO = new Dec(0);

export interface BookOptions {
  method: LotMethod;
  /** Sells of more than is held are refused when false; short sales need it. */
  allowShort: boolean;
}

/** One replay of one portfolio's ledger. Create one per replay: it holds that replay's state and nothing shared. */
export class Book {
  cash: Dec = ZERO;
  /** Dividends past their ex-date and not yet paid. */
  accrued: Dec = ZERO;
  readonly symbols = new Map<string, SymbolBook>();
  private readonly pendingDividends: { payDate: string; amount: Dec; symbol: string }[] = [];

  constructor(private readonly options: BookOptions) {}

  quantity(symbol: string): Dec {
    return this.symbols.get(symbol)?.quantity ?? ZERO;
  }

  costBasis(symbol: string): Dec {
    return this.symbols.get(symbol)?.cost ?? ZERO;
  }

  realised(symbol: string): Dec {
    return this.symbols.get(symbol)?.realised ?? ZERO;
  }

  /** Applies every event of one date in the documented order. Events must all carry this date. */
  applyDay(date: string, events: readonly LedgerEvent[]): void {
    for (const e of events) if (e.type === 'split' && e.exDate === date) this.split(e);
    for (const e of events) if (e.type === 'dividend' && e.exDate === date) this.dividend(e);
    this.payDividendsDue(date);
    for (const e of events) {
      if (e.type === 'trade') this.trade(e);
      else if (e.type === 'cash') this.cashMovement(e);
    }
  }

  private book(symbol: string): SymbolBook {
    let b = this.symbols.get(symbol);
    if (!b) this.symbols.set(symbol, (b = { lots: [], quantity: ZERO, cost: ZERO, realised: ZERO, dividends: ZERO }));
    return b;
  }

  private split(a: SplitAction): void {
    if (!a.ratio.isFinite() || a.ratio.lte(0)) throw new LedgerError(`split ${a.symbol} ${a.exDate}`, `ratio ${a.ratio.toString()} must be positive`);
    const b = this.symbols.get(a.symbol);
    if (!b) return;
    for (const lot of b.lots) lot.quantity = lot.quantity.times(a.ratio);
    b.quantity = b.quantity.times(a.ratio);
  }

  private dividend(a: DividendAction): void {
    const held = this.quantity(a.symbol);
    if (held.isZero()) return;
    const amount = held.times(a.perShare);
    this.book(a.symbol).dividends = this.book(a.symbol).dividends.plus(amount);
    if (a.payDate && a.payDate > a.exDate) {
      this.accrued = this.accrued.plus(amount);
      this.pendingDividends.push({ payDate: a.payDate, amount, symbol: a.symbol });
    } else {
      this.cash = this.cash.plus(amount);
    }
  }

  private payDividendsDue(date: string): void {
    for (let i = this.pendingDividends.length - 1; i >= 0; i--) {
      const d = this.pendingDividends[i];
      if (d.payDate <= date) {
        this.cash = this.cash.plus(d.amount);
        this.accrued = this.accrued.minus(d.amount);
        this.pendingDividends.splice(i, 1);
      }
    }
  }

  private cashMovement(m: CashMovement): void {
    if (!m.amount.isFinite() || m.amount.lte(0)) throw new LedgerError(m.id, `${m.kind} amount ${m.amount.toString()} must be positive`);
    this.cash = m.kind === 'deposit' ? this.cash.plus(m.amount) : this.cash.minus(m.amount);
  }

  private trade(t: LedgerTrade): void {
    if (!t.quantity.isFinite() || t.quantity.lte(0)) throw new LedgerError(t.id, `quantity ${t.quantity.toString()} must be positive`);
    if (!t.price.isFinite() || t.price.lt(0)) throw new LedgerError(t.id, `price ${t.price.toString()} must not be negative`);
    if (!t.fees.isFinite() || t.fees.lt(0)) throw new LedgerError(t.id, `fees ${t.fees.toString()} must not be negative`);
    const gross = t.quantity.times(t.price);
    const b = this.book(t.symbol);
    const held = this.quantity(t.symbol);
    switch (t.side) {
      case 'buy': {
        if (held.lt(0)) throw new LedgerError(t.id, `buy of ${t.symbol} while ${held.neg().toString()} are sold short: book it as a cover`);
        this.cash = this.cash.minus(gross).minus(t.fees);
        this.open(b, t, t.quantity, gross.plus(t.fees));
        return;
      }
      case 'short': {
        if (!this.options.allowShort) throw new LedgerError(t.id, `short sale of ${t.symbol} refused: shorting is off for this portfolio`);
        if (held.gt(0)) throw new LedgerError(t.id, `short sale of ${t.symbol} while ${held.toString()} are held long: sell those first`);
        this.cash = this.cash.plus(gross).minus(t.fees);
        this.open(b, t, t.quantity.neg(), gross.minus(t.fees).neg());
        return;
      }
      case 'sell': {
        if (t.quantity.gt(held)) {
          const hint = this.options.allowShort ? ': book the rest as a short sale' : ' and shorting is off';
          throw new LedgerError(t.id, `sell of ${t.quantity.toString()} ${t.symbol} but ${held.toString()} held${hint}`);
        }
        const net = gross.minus(t.fees);
        this.cash = this.cash.plus(net);
        b.realised = b.realised.plus(net.minus(this.relieve(b, t, t.quantity)));
        return;
      }
      case 'cover': {
        if (t.quantity.gt(held.neg())) throw new LedgerError(t.id, `cover of ${t.quantity.toString()} ${t.symbol} but ${held.neg().toString()} sold short`);
        const net = gross.plus(t.fees).neg();
        this.cash = this.cash.plus(net);
        b.realised = b.realised.plus(net.minus(this.relieve(b, t, t.quantity.neg())));
        return;
      }
    }
  }

  private open(b: SymbolBook, t: LedgerTrade, quantity: Dec, cost: Dec): void {
    b.quantity = b.quantity.plus(quantity);
    b.cost = b.cost.plus(cost);
    if (this.options.method === 'average' && b.lots.length > 0) {
      const pool = b.lots[0];
      pool.quantity = pool.quantity.plus(quantity);
      pool.cost = pool.cost.plus(cost);
      return;
    }
    b.lots.push({ id: this.options.method === 'average' ? 'avg' : t.id, openedOn: t.tradeDate, quantity, cost });
  }

  /** Takes `signed` shares (same sign as the lots) out of the book's lots; returns the cost relieved. */
  private relieve(b: SymbolBook, t: LedgerTrade, signed: Dec): Dec {
    const take = (lot: Lot, q: Dec): Dec => {
      const cost = lot.cost.times(q).dividedBy(lot.quantity);
      lot.quantity = lot.quantity.minus(q);
      lot.cost = lot.cost.minus(cost);
      return cost;
    };
    let relieved = ZERO;
    if (this.options.method === 'specific') {
      if (!t.lots || t.lots.length === 0) throw new LedgerError(t.id, `specific-lot relief needs the lots a ${t.side} closes`);
      const named = t.lots.reduce((s, l) => s.plus(l.quantity), ZERO);
      if (!named.eq(signed.abs())) throw new LedgerError(t.id, `lots name ${named.toString()} shares but the ${t.side} is for ${signed.abs().toString()}`);
      // Every named lot is checked before any is touched: a refused trade leaves the book as it was.
      const picks = t.lots.map((ref) => {
        const lot = b.lots.find((l) => l.id === ref.lotId);
        if (!lot) throw new LedgerError(t.id, `lot ${ref.lotId} of ${t.symbol} is not open`);
        if (ref.quantity.gt(lot.quantity.abs())) throw new LedgerError(t.id, `lot ${ref.lotId} holds ${lot.quantity.abs().toString()}, not ${ref.quantity.toString()}`);
        return { lot, q: signed.isNeg() ? ref.quantity.neg() : ref.quantity };
      });
      for (const { lot, q } of picks) relieved = relieved.plus(take(lot, q));
    } else {
      let left = signed;
      for (const lot of b.lots) {
        if (left.isZero()) break;
        const q = left.abs().lt(lot.quantity.abs()) ? left : lot.quantity;
        relieved = relieved.plus(take(lot, q));
        left = left.minus(q);
      }
    }
    b.lots = b.lots.filter((l) => !l.quantity.isZero());
    b.quantity = b.quantity.minus(signed);
    b.cost = b.cost.minus(relieved);
    return relieved;
  }
}

/** Groups events by the date they act on (ex-date for corporate actions) in ascending date order. */
export function eventsByDate(events: readonly LedgerEvent[]): [string, LedgerEvent[]][] {
  const byDate = new Map<string, LedgerEvent[]>();
  for (const e of events) {
    const d = e.type === 'trade' ? e.tradeDate : e.type === 'cash' ? e.date : e.exDate;
    (byDate.get(d) ?? byDate.set(d, []).get(d)!).push(e);
  }
  return [...byDate.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
