// From target shares to the trades that reach them from current holdings, and the trade file `tickflow portfolio`
// books (src/portfolio/trade-file.ts format): buy/sell for longs, short/cover for shorts, and optionally a deposit
// first (of the budget, into a portfolio whose ledger is empty).
import type { ProposedTrade } from '../contracts/optimize';

export interface PricedTrade extends ProposedTrade {
  kind: 'buy' | 'sell' | 'short' | 'cover';
  day: string;
}

/** The trades from `current` shares to `target` shares (longs sold before shorting; shorts covered before buying). */
export function tradesTowards(current: Record<string, number>, target: Record<string, number>, prices: Record<string, { close: number; day: string }>): PricedTrade[] {
  const out: PricedTrade[] = [];
  for (const symbol of [...new Set([...Object.keys(current), ...Object.keys(target)])].sort()) {
    const q0 = current[symbol] ?? 0;
    const q1 = target[symbol] ?? 0;
    const { close: price, day } = prices[symbol];
    const push = (kind: PricedTrade['kind'], quantity: number) => {
      if (quantity > 0) out.push({ symbol, kind, side: kind === 'buy' || kind === 'cover' ? 'buy' : 'sell', quantity, price, day });
    };
    if (q1 > q0) {
      const cover = q0 < 0 ? Math.min(-q0, q1 - q0) : 0;
      push('cover', cover);
      push('buy', q1 - q0 - cover);
    } else if (q1 < q0) {
      const sell = q0 > 0 ? Math.min(q0, q0 - q1) : 0;
      push('sell', sell);
      push('short', q0 - q1 - sell);
    }
  }
  return out;
}

const decimal = (v: number) => {
  const text = Number(v.toFixed(6)).toString();
  if (/e/i.test(text)) throw new RangeError(`price ${v} cannot be written as a plain decimal`);
  return text;
};

/** The CSV `tickflow portfolio import-trades` reads; trade ids are `<prefix>-<n>` so a re-run books nothing twice. */
export function tradeFileCsv(prefix: string, trades: PricedTrade[], deposit?: { day: string; amount: number }): string {
  const lines = ['trade_id,kind,date,symbol,quantity,price,amount'];
  if (deposit) lines.push(`${prefix}-deposit,deposit,${deposit.day},,,,${deposit.amount.toFixed(2)}`);
  trades.forEach((t, i) => lines.push(`${prefix}-${i + 1},${t.kind},${t.day},${t.symbol},${t.quantity},${decimal(t.price)},`));
  return `${lines.join('\n')}\n`;
}
