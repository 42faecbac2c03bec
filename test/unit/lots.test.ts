// The lot engine on worked examples whose results follow from the definitions by hand (each written out below).
import { Book, Dec, LedgerError, eventsByDate, type LedgerEvent, type LedgerTrade, type LotMethod } from '../../src/portfolio/lots';

let n = 0;
const trade = (side: LedgerTrade['side'], symbol: string, tradeDate: string, quantity: number | string, price: number | string, fees: number | string = 0, lots?: [string, number][]): LedgerTrade => ({
  type: 'trade', id: `t${++n}`, side, symbol, tradeDate, quantity: new Dec(quantity), price: new Dec(price), fees: new Dec(fees),
  ...(lots ? { lots: lots.map(([lotId, q]) => ({ lotId, quantity: new Dec(q) })) } : {}),
});

function replay(method: LotMethod, events: LedgerEvent[], allowShort = false, through?: string[]): Book {
  const book = new Book({ method, allowShort });
  const days = new Map(eventsByDate(events));
  const dates = [...new Set([...days.keys(), ...(through ?? [])])].sort();
  for (const d of dates) book.applyDay(d, days.get(d) ?? []);
  return book;
}

const twoBuysOneSell = (lots?: [string, number][]) => {
  n = 0;
  return [
    { type: 'cash', id: 'c1', kind: 'deposit', date: '2020-01-01', amount: new Dec(10000) } as LedgerEvent,
    trade('buy', 'AAA', '2020-01-02', 100, 10, 1), // lot t1: cost 1001
    trade('buy', 'AAA', '2020-01-03', 100, 12, 1), // lot t2: cost 1201
    trade('sell', 'AAA', '2020-01-06', 150, 15, 2, lots), // net 2248
  ];
};

describe('lot relief', () => {
  test('FIFO: the oldest lot first, fees in the cost basis and out of the proceeds', () => {
    const book = replay('fifo', twoBuysOneSell());
    // relieved: 1001 + 1201 × 50/100 = 1601.5; realised 2248 − 1601.5
    expect(book.realised('AAA').toString()).toBe('646.5');
    expect(book.quantity('AAA').toString()).toBe('50');
    expect(book.costBasis('AAA').toString()).toBe('600.5');
    expect(book.cash.toString()).toBe(String(10000 - 1001 - 1201 + 2248));
  });

  test('average cost: one pool', () => {
    const book = replay('average', twoBuysOneSell());
    // pool 200 shares for 2202; 150 relieve 1651.5
    expect(book.realised('AAA').toString()).toBe('596.5');
    expect(book.costBasis('AAA').toString()).toBe('550.5');
  });

  test('specific lots: the sell names them', () => {
    const book = replay('specific', twoBuysOneSell([['t2', 100], ['t1', 50]]));
    // relieved 1201 + 1001 × 50/100 = 1701.5
    expect(book.realised('AAA').toString()).toBe('546.5');
    expect(book.symbols.get('AAA')!.lots.map((l) => [l.id, l.quantity.toString(), l.cost.toString()])).toEqual([['t1', '50', '500.5']]);
  });

  test('specific lots: mismatches are refused with the reason', () => {
    expect(() => replay('specific', twoBuysOneSell())).toThrow(/needs the lots/);
    expect(() => replay('specific', twoBuysOneSell([['t2', 100]]))).toThrow(/lots name 100 shares but the sell is for 150/);
    expect(() => replay('specific', twoBuysOneSell([['t9', 150]]))).toThrow(/lot t9 of AAA is not open/);
  });

  test('decimal arithmetic: ten buys at 0.1 sold at 0.1 realise exactly zero', () => {
    const events: LedgerEvent[] = Array.from({ length: 10 }, () => trade('buy', 'AAA', '2020-01-02', 1, '0.1'));
    events.push(trade('sell', 'AAA', '2020-01-03', 10, '0.1'));
    const book = replay('fifo', events);
    expect(book.realised('AAA').isZero()).toBe(true); // in doubles: 10 × 0.1 summed is 0.9999999999999999
    expect(book.cash.isZero()).toBe(true);
  });
});

describe('shorts', () => {
  test('short then cover: profit is the price fall less both fees', () => {
    const events = [trade('short', 'BBB', '2020-02-03', 100, 50, 5), trade('cover', 'BBB', '2020-02-10', 100, 40, 5)];
    const book = replay('fifo', events, true);
    expect(book.realised('BBB').toString()).toBe('990'); // (50 − 40) × 100 − 10
    expect(book.quantity('BBB').isZero()).toBe(true);
    expect(book.cash.toString()).toBe('990');
  });

  test('a sell of more than is held is refused unless it is booked as a short sale', () => {
    expect(() => replay('fifo', [trade('buy', 'AAA', '2020-01-02', 10, 1), trade('sell', 'AAA', '2020-01-03', 15, 1)])).toThrow(LedgerError);
    expect(() => replay('fifo', [trade('buy', 'AAA', '2020-01-02', 10, 1), trade('sell', 'AAA', '2020-01-03', 15, 1)])).toThrow(/sell of 15 AAA but 10 held and shorting is off/);
    expect(() => replay('fifo', [trade('short', 'AAA', '2020-01-02', 10, 1)])).toThrow(/shorting is off/);
    expect(() => replay('fifo', [trade('short', 'AAA', '2020-01-02', 10, 1), trade('cover', 'AAA', '2020-01-03', 11, 1)], true)).toThrow(/cover of 11 AAA but 10 sold short/);
  });
});

describe('corporate actions', () => {
  test('a split applies on its ex-date before that day’s trades', () => {
    n = 0;
    const events: LedgerEvent[] = [
      trade('buy', 'AAPL', '2020-08-28', 100, 500), // cost 50,000
      { type: 'split', symbol: 'AAPL', exDate: '2020-08-31', ratio: new Dec(4) },
      trade('sell', 'AAPL', '2020-08-31', 400, 130), // only possible after the split
    ];
    const book = replay('fifo', events);
    expect(book.realised('AAPL').toString()).toBe('2000'); // 52,000 − 50,000
    expect(book.quantity('AAPL').isZero()).toBe(true);
  });

  test('a reverse split divides the quantity and keeps the cost', () => {
    const book = replay('fifo', [trade('buy', 'CCC', '2020-01-02', 100, 2), { type: 'split', symbol: 'CCC', exDate: '2020-03-02', ratio: new Dec('0.1') }]);
    expect(book.quantity('CCC').toString()).toBe('10');
    expect(book.costBasis('CCC').toString()).toBe('200');
  });

  test('a dividend is owed on the holding at the start of the ex-date, accrues, and is paid on the pay date', () => {
    const dividend: LedgerEvent = { type: 'dividend', symbol: 'DDD', exDate: '2020-02-07', payDate: '2020-02-13', perShare: new Dec('0.77') };
    const events = [trade('buy', 'DDD', '2020-02-03', 100, 10), dividend, trade('sell', 'DDD', '2020-02-07', 100, 10)];
    const before = replay('fifo', events, false, ['2020-02-10']);
    expect(before.accrued.toString()).toBe('77'); // sold on the ex-date: still entitled
    expect(before.cash.toString()).toBe('0');
    const after = replay('fifo', events, false, ['2020-02-13']);
    expect(after.accrued.isZero()).toBe(true);
    expect(after.cash.toString()).toBe('77');
    expect(after.symbols.get('DDD')!.dividends.toString()).toBe('77');
  });

  test('a short position pays the dividend', () => {
    const events: LedgerEvent[] = [trade('short', 'EEE', '2020-02-03', 100, 10), { type: 'dividend', symbol: 'EEE', exDate: '2020-02-07', perShare: new Dec('0.5') }];
    const book = replay('fifo', events, true);
    expect(book.cash.toString()).toBe(String(1000 - 50));
  });
});
