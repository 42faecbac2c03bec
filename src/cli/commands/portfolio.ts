// `tickflow portfolio`: create a portfolio, book trade files, read its ledger, positions, P&L and performance, and
// (re)value it. Booking and valuation run as Temporal workflows (bookTrades, portfolioValuation) with a worker here.
import crypto from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { InputError } from '../../contracts/errors';
import { portfolioIdSchema } from '../../contracts/portfolio';
import { isoDateSchema, tickerSchema } from '../../contracts/schemas';
import { DerivedStalenessRepository } from '../../repositories/derived-staleness-repository';
import { PortfolioRepository } from '../../repositories/portfolio-repository';
import { bookTrades, bookTradesInputSchema, portfolioValuation, portfolioValuationInputSchema, type BookTradesSummary, type PortfolioValuationSummary } from '../../../workflows/portfolio';
import { checkFlag as flag, parse } from '../args';
import { err, out, usage, withRuntime, type Command } from '../context';
import { checkInput, startAndFollow } from '../follow';

const help = `Usage: tickflow portfolio create ID [--name TEXT] [--lot-method fifo|average|specific] [--allow-short] [--benchmark SYMBOL] [--currency USD]
       tickflow portfolio import-trades FILE --portfolio ID [--strict] [--risk-free RATE] [--no-worker] [--json]
       tickflow portfolio trades ID [--limit N] [--quarantined] [--json]
       tickflow portfolio positions ID [--as-of YYYY-MM-DD] [--json]
       tickflow portfolio value ID [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--risk-free RATE] [--no-worker] [--json]
       tickflow portfolio pnl ID [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json]
       tickflow portfolio performance ID [--period inception|ytd|1y|3y|5y|YYYY] [--json]
       tickflow portfolio list [--json]

create         a portfolio and its accounting choices (lot relief, shorting, benchmark)
import-trades  books a CSV or JSON-lines file (columns in docs/portfolio.md); bad rows are quarantined with the reason,
               good rows book; a price outside the day's stored [low, high] warns (refused with --strict);
               then revalues from the earliest date it touched and recomputes performance
trades         the ledger, newest first (or the quarantined rows)
positions      holdings at the close of a date (default: the last valued date), with cost, value, P&L and weight
value          daily positions and NAV over a range (default: the whole ledger), then performance
pnl            NAV, daily return, realised and unrealised P&L per valued date
performance    TWR, XIRR, annual return and volatility, Sharpe, Sortino, drawdown, Calmar, alpha/beta, tracking error,
               information ratio, hit rate and turnover per period, with each row's conventions (docs/portfolio.md)`;

const options = {
  name: { type: 'string' }, 'lot-method': { type: 'string' }, 'allow-short': { type: 'boolean' }, benchmark: { type: 'string' }, currency: { type: 'string' },
  portfolio: { type: 'string' }, strict: { type: 'boolean' }, 'risk-free': { type: 'string' }, 'no-worker': { type: 'boolean' }, json: { type: 'boolean' },
  limit: { type: 'string' }, quarantined: { type: 'boolean' }, 'as-of': { type: 'string' }, from: { type: 'string' }, to: { type: 'string' },
  period: { type: 'string' },
} as const;

const ACTIONS = ['create', 'import-trades', 'trades', 'positions', 'value', 'pnl', 'performance', 'list'];
const idSchema = portfolioIdSchema;
const daySchema = isoDateSchema;


const money = (s: string | null) => (s === null ? '-' : Number(s).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
const pct = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(2)}%`);
const num = (x: number | null | undefined, d = 2) => (x === null || x === undefined ? '-' : x.toFixed(d));

export function valuationLines(s: PortfolioValuationSummary): string[] {
  if (!s.valuation) return ['  valuation       nothing to value (empty ledger or no session in range)'];
  const m = s.performance?.inception ?? {};
  return [
    `  valued          ${s.from} … ${s.to}: ${s.valuation.sessions} sessions, ${s.valuation.positionRows} position rows`,
    `  NAV             ${money(s.valuation.nav)} at the close of ${s.valuation.lastDay}`,
    `  P&L             realised ${money(s.valuation.realisedPnl)}, unrealised ${money(s.valuation.unrealisedPnl)}`,
    `  performance     TWR ${pct(m.time_weighted_return)}, XIRR ${pct(m.money_weighted_return)}, Sharpe ${num(m.sharpe_ratio)}, max drawdown ${pct(m.max_drawdown)}`,
  ];
}

async function run(argv: string[]): Promise<number> {
  const { values: v, positionals } = parse(argv, options, 'portfolio');
  const [action, arg] = positionals;
  if (v.help || !action) return usage(help, v.help);
  if (!ACTIONS.includes(action)) throw new InputError(`unknown action "${action}" (${ACTIONS.join(', ')})`, 'tickflow portfolio');
  const where = `tickflow portfolio ${action}`;
  const json = Boolean(v.json);
  const riskFree = v['risk-free'] === undefined ? undefined : flag(z.coerce.number().min(-0.5).max(1), 'risk-free', v['risk-free'], where);
  const from = v.from === undefined ? undefined : flag(daySchema, 'from', v.from, where);
  const to = v.to === undefined ? undefined : flag(daySchema, 'to', v.to, where);
  const asOf = v['as-of'] === undefined ? undefined : flag(daySchema, 'as-of', v['as-of'], where);
  const limit = v.limit === undefined ? 50 : flag(z.coerce.number().int().min(1).max(100_000), 'limit', v.limit, where);

  if (action === 'import-trades') {
    if (!arg) throw new InputError('give the trade file: tickflow portfolio import-trades FILE --portfolio ID', where);
    const input = checkInput(bookTradesInputSchema, { portfolioId: v.portfolio, path: path.resolve(arg), strict: Boolean(v.strict), ...(riskFree !== undefined ? { riskFreeAnnual: riskFree } : {}) }, where);
    return withRuntime({ temporal: true, migrate: true }, (rt) => startAndFollow({
      rt, workflow: bookTrades, input, workflowId: `tickflow-trades-${input.portfolioId}-${crypto.randomUUID().slice(0, 8)}`, json, wait: true, noWorker: Boolean(v['no-worker']),
      summary: (s: BookTradesSummary) => [
        `✓ trades booked into ${s.portfolioId}`,
        `  PipelineRun     ${s.pipelineRunId}`,
        `  rows            ${s.booking.booked} booked of ${s.booking.received} (${s.booking.alreadyBooked} already booked, ${s.booking.quarantined} quarantined: see tickflow portfolio trades ${s.portfolioId} --quarantined)`,
        ...s.booking.warnings.slice(0, 10).map((w) => `  warning         ${w}`),
        ...valuationLines(s),
      ].join('\n'),
    }), json);
  }
  if (action === 'value') {
    const input = checkInput(portfolioValuationInputSchema, { portfolioId: arg, ...(from ? { from } : {}), ...(to ? { to } : {}), ...(riskFree !== undefined ? { riskFreeAnnual: riskFree } : {}) }, where);
    return withRuntime({ temporal: true, migrate: true }, (rt) => startAndFollow({
      rt, workflow: portfolioValuation, input, workflowId: `tickflow-value-${input.portfolioId}-${crypto.randomUUID().slice(0, 8)}`, json, wait: true, noWorker: Boolean(v['no-worker']),
      summary: (s: PortfolioValuationSummary) => [`✓ portfolio ${s.portfolioId} valued`, `  PipelineRun     ${s.pipelineRunId}`, ...valuationLines(s)].join('\n'),
    }), json);
  }

  const id = action === 'list' ? '' : flag(idSchema, 'portfolio', arg ?? '', where);
  return withRuntime({ migrate: true }, async ({ dataSource }) => {
    const repo = new PortfolioRepository(dataSource);
    const staleness = new DerivedStalenessRepository(dataSource);
    const staleFrom = async (portfolioId: string) => (await staleness.open({ kind: 'portfolio_position', keys: [portfolioId], interval: '1d' }))
      .map((m) => m.staleFrom.slice(0, 10)).sort()[0] ?? null;
    if (action === 'create') {
      const lotMethod = flag(z.enum(['fifo', 'average', 'specific']), 'lot-method', v['lot-method'] ?? 'fifo', where);
      const currency = flag(z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code like USD'), 'currency', v.currency ?? 'USD', where);
      const benchmark = v.benchmark === undefined ? null : flag(tickerSchema, 'benchmark', v.benchmark, where);
      if (await repo.find(id)) throw new InputError(`portfolio ${id} already exists`, where);
      const p = await repo.create({ id, name: v.name ?? id, currency, lotMethod, allowShort: Boolean(v['allow-short']), benchmarkSymbol: benchmark });
      if (json) out(JSON.stringify(p, null, 2));
      else out(`✓ portfolio ${p.id} created: ${p.lotMethod} lots, shorting ${p.allowShort ? 'on' : 'off'}, ${p.currency}, benchmark ${p.benchmarkSymbol ?? 'none'}`);
      return 0;
    }
    if (action === 'list') {
      const rows = await Promise.all((await repo.list()).map(async (p) => ({ ...p, staleFrom: await staleFrom(p.id) })));
      if (json) out(JSON.stringify(rows, null, 2));
      else {
        for (const p of rows) {
          out(`${p.id.padEnd(24)} ${p.lotMethod.padEnd(8)} short ${p.allowShort ? 'on ' : 'off'} ${p.currency} benchmark ${p.benchmarkSymbol ?? '-'}  ${p.name}` +
            `${p.staleFrom ? `  STALE from ${p.staleFrom}` : ''}`);
        }
      }
      return 0;
    }
    if (!(await repo.find(id))) throw new InputError(`portfolio ${id} does not exist (tickflow portfolio list shows them)`, where);
    if (action === 'trades') {
      if (v.quarantined) {
        const rows = await repo.quarantined(id, limit);
        if (json) out(JSON.stringify(rows, null, 2));
        else for (const r of rows) out(`${r.location}  ${r.tradeRef ?? '-'}  ${r.reason}`);
        return 0;
      }
      const rows = (await repo.entries(undefined, id)).reverse().slice(0, limit);
      if (json) out(JSON.stringify(rows, null, 2));
      else {
        for (const t of rows) {
          const what = t.symbol ? `${t.kind.padEnd(8)} ${t.quantity} ${t.symbol} @ ${t.price} fees ${t.fees}` : t.kind === 'reversal' ? `reversal of trade ${t.reversesTradeId}` : `${t.kind.padEnd(8)} ${t.amount}`;
          out(`${t.tradeDate}  #${t.id.padEnd(6)} ${t.tradeRef.padEnd(16)} ${what}  settles ${t.settleDate}  (${t.source})`);
        }
      }
      return 0;
    }
    if (action === 'positions') {
      const rows = await repo.positions(id, asOf);
      const stale = await staleFrom(id);
      if (stale && (!rows[0] || rows[0].asOf >= stale)) err(`· positions of ${id} from ${stale} on are stale (an input changed): run tickflow portfolio value ${id}`);
      if (json) out(JSON.stringify(rows, null, 2));
      else if (rows.length === 0) out(`no valued positions${asOf ? ` on ${asOf}` : ''}: run tickflow portfolio value ${id}`);
      else {
        out(`positions of ${id} at the close of ${rows[0].asOf}`);
        for (const p of rows) {
          out(`  ${p.symbol.padEnd(8)} qty ${p.quantity.padStart(12)}  close ${num(p.close, 4).padStart(10)} (${p.priceDate})  value ${money(p.marketValue).padStart(14)}  cost ${money(p.costBasis).padStart(14)}  ` +
            `unrealised ${money(p.unrealisedPnl).padStart(12)}  realised ${money(p.realisedPnl).padStart(12)}  weight ${pct(p.weight)}`);
        }
      }
      return 0;
    }
    if (action === 'pnl') {
      const rows = await repo.valuations(id, from, to);
      if (json) out(JSON.stringify(rows, null, 2));
      else for (const r of rows) out(`${r.asOf}  NAV ${money(r.nav).padStart(14)}  return ${pct(r.dailyReturn).padStart(8)}  flow ${money(r.externalFlow).padStart(12)}  realised ${money(r.realisedPnl).padStart(12)}  unrealised ${money(r.unrealisedPnl).padStart(12)}`);
      return 0;
    }
    // performance
    const rows = (await repo.metrics(id)).filter((m) => !v.period || m.period === v.period);
    if (json) out(JSON.stringify(rows, null, 2));
    else if (rows.length === 0) out(`no performance rows: run tickflow portfolio value ${id}`);
    else {
      const c = rows[0].conventions;
      out(`conventions: ${c.periodsPerYear} periods a year, ddof ${c.ddof}, risk-free ${c.riskFreeSource}, ${c.returns}; missing days ${c.missingPeriods}; benchmark ${c.benchmark ?? 'none'}`);
      for (const period of [...new Set(rows.map((r) => r.period))]) {
        const ofPeriod = rows.filter((r) => r.period === period);
        out(`${period.padEnd(10)} ${ofPeriod[0].periodStart} … ${ofPeriod[0].periodEnd}${ofPeriod[0].conventions.partial ? ' (partial)' : ''}`);
        out(`  ${ofPeriod.map((r) => `${r.metric} ${r.value === null ? '-' : /return|drawdown|volatility|rate|error|turnover|alpha/.test(r.metric) ? pct(r.value) : num(r.value, 3)}`).join(', ')}`);
      }
    }
    return 0;
  });
}

export const portfolioCommand: Command = { name: 'portfolio', summary: 'portfolios: book trades, value daily, P&L and performance', help, actions: ACTIONS, run };
