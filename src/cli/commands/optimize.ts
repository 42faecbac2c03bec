// `tickflow optimize`: run the optimizePortfolio workflow, show a stored PortfolioOptimization (text, JSON or the HTML
// report with the efficient frontier), or print its frontier.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { InputError } from '../../contracts/errors';
import { objectives, optimizeInputSchema, returnModels, riskModelNames, type OptimizeInputArgs } from '../../contracts/optimize';
import type { FrontierPoint } from '../../optimize/optimize';
import { optimizationReport } from '../../optimize/report';
import type { StaleScope } from '../../contracts/derived';
import { DerivedStalenessRepository } from '../../repositories/derived-staleness-repository';
import { OptimizationRepository, type OptimizationRecord } from '../../repositories/optimization-repository';
import { optimizePortfolio, type OptimizeSummary } from '../../../workflows/optimize';
import { parse } from '../args';
import { err, out, usage, withRuntime, type Command } from '../context';
import { checkInput, parseJsonFlag, startAndFollow } from '../follow';

const help = `Usage: tickflow optimize run --symbols A,B,C [options] [--json]
       tickflow optimize show <id> [--json] [--html PATH]
       tickflow optimize frontier <id> [--json]
       tickflow optimize list [--limit N] [--json]

run options (docs/optimization.md):
  --as-of YYYY-MM-DD        prices dated ≤ as-of, predictions of bars ≤ as-of (default: the last common stored bar)
  --lookback-days N         history before as-of the estimators read (default 1095)
  --returns MODEL           ${returnModels.join(' | ')} (default mean_historical)
  --model-run ID            with --returns model_predictions: the ModelTrainingRun whose predictions are the returns
  --market SYMBOL           with --returns capm: the market (default the equally weighted universe)
  --risk MODEL              ${riskModelNames.join(' | ')} (default sample_cov)
  --objective KIND          ${objectives.join(' | ')} (default max_sharpe)
  --target-return R, --target-volatility V, --risk-aversion D, --beta B (min_cvar confidence)
  --risk-free RATE          annual risk-free rate for Sharpe (default 0)
  --bounds LO,HI            every weight in [LO, HI] (default 0,1; "none,none" = unbounded)
  --market-neutral          weights sum to 0
  --max-holdings N          at most N non-zero weights
  --l2 GAMMA                L2 regularisation
  --turnover MAX --current PORTFOLIO   Σ|w − current weights of PORTFOLIO| ≤ MAX
  --constraints JSON        the full constraints object (sector caps: {"sectors":{"map":{...},"upper":{...}}})
  --budget AMOUNT [--method greedy|exact]   whole shares at the latest stored prices, with the rounding error
  --book PORTFOLIO          book the proposed trades into PORTFOLIO (bookTrades)
  --input JSON              the whole workflow input instead of the flags above
  --frontier-points N       points of the efficient frontier stored with the run (default 20)
  --workflow-id ID, --no-worker

A monthly rebalance: tickflow schedule create NAME --workflow optimizePortfolio --cron "0 18 1 * *" --input '{"symbols":[...]}'
(no asOf: each run optimises as of the last stored bar). Exit code 1 when the problem is infeasible; the diagnostics
name the conflicting constraints and by how much.`;

const num = (name: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InputError(`expected a number (got "${v}")`, `--${name}`);
  return n;
};

function bounds(v: string | undefined): [number | null, number | null] | undefined {
  if (v === undefined) return undefined;
  const parts = v.split(',');
  if (parts.length !== 2) throw new InputError(`expected LO,HI like 0,0.2 (got "${v}")`, '--bounds');
  return parts.map((p) => (p.trim() === 'none' ? null : num('bounds', p))) as [number | null, number | null];
}

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `${(100 * v).toFixed(2)}%`);

function lines(r: Pick<OptimizationRecord, 'id' | 'status' | 'asOf' | 'objective' | 'weights' | 'expectedReturn' | 'volatility' | 'sharpe' | 'diagnostics'>, warnings: string[]): string[] {
  const head = `${r.status === 'optimal' ? '✓' : '✗'} optimization ${r.id} (${r.objective}, as of ${r.asOf}): ${r.status}`;
  if (r.status !== 'optimal') {
    return [head, ...(r.diagnostics as { constraint: string; message: string }[]).map((d) => `  ✗ ${d.constraint}: ${d.message}`), ...warnings.map((w) => `  warning  ${w}`)];
  }
  return [
    head,
    `  expected return ${pct(r.expectedReturn)}   volatility ${pct(r.volatility)}   Sharpe ${r.sharpe?.toFixed(3) ?? '–'}`,
    '  weights',
    ...Object.entries(r.weights).filter(([, w]) => Math.abs(w) > 5e-5).sort((a, b) => b[1] - a[1]).map(([s, w]) => `    ${s.padEnd(8)} ${pct(w).padStart(8)}`),
    ...warnings.map((w) => `  warning  ${w}`),
  ];
}

function summary(s: OptimizeSummary): string {
  const o = s.optimization;
  const text = lines({ id: o.optimizationId, status: o.status, asOf: o.asOf, objective: o.objective, weights: o.weights, expectedReturn: o.expectedReturn, volatility: o.volatility, sharpe: o.sharpe, diagnostics: o.diagnostics }, o.warnings);
  text.push(`  PipelineRun     ${s.pipelineRunId}`);
  if (s.allocation) {
    const a = s.allocation;
    text.push(`  allocation      ${Object.entries(a.shares).map(([k, q]) => `${k} ${q}`).join(', ')}; leftover ${a.leftover.toFixed(2)}, rounding RMSE ${a.rmse.toFixed(4)}`);
    text.push(`  trades          ${a.trades.length} proposed${a.tradeFile ? ` (${a.tradeFile})` : ''}`);
  }
  if (s.booking) text.push(`  booked          ${s.booking.booking.booked} of ${s.booking.booking.received} rows into ${s.booking.portfolioId} (${s.booking.booking.quarantined} quarantined)`);
  return text.join('\n');
}

async function run(argv: string[]): Promise<number> {
  const { values: v, positionals } = parse(argv, {
    symbols: { type: 'string' }, 'as-of': { type: 'string' }, 'lookback-days': { type: 'string' }, returns: { type: 'string' }, 'model-run': { type: 'string' },
    market: { type: 'string' }, risk: { type: 'string' }, objective: { type: 'string' }, 'target-return': { type: 'string' }, 'target-volatility': { type: 'string' },
    'risk-aversion': { type: 'string' }, beta: { type: 'string' }, 'risk-free': { type: 'string' }, bounds: { type: 'string' }, 'market-neutral': { type: 'boolean' },
    'max-holdings': { type: 'string' }, l2: { type: 'string' }, turnover: { type: 'string' }, current: { type: 'string' }, constraints: { type: 'string' },
    budget: { type: 'string' }, method: { type: 'string' }, book: { type: 'string' }, input: { type: 'string' }, 'frontier-points': { type: 'string' },
    'workflow-id': { type: 'string' }, 'no-worker': { type: 'boolean' }, json: { type: 'boolean' }, html: { type: 'string' }, limit: { type: 'string' },
  }, 'optimize');
  const [action, id] = positionals;
  if (v.help || !action) return usage(help, v.help);
  const json = Boolean(v.json);
  const where = `tickflow optimize ${action}`;
  if (action === 'run') {
    let raw: OptimizeInputArgs;
    if (v.input) raw = parseJsonFlag(v.input, '--input') as OptimizeInputArgs;
    else {
      if (!v.symbols) throw new InputError('needs --symbols A,B,C (or --input JSON)', where);
      if (v.turnover !== undefined && !v.current) throw new InputError('--turnover needs --current PORTFOLIO (whose weights it is measured against)', where);
      const extra = v.constraints ? parseJsonFlag(v.constraints, '--constraints') : {};
      const budget = num('budget', v.budget);
      if (v.book && budget === undefined) throw new InputError('--book needs --budget (the amount to allocate in whole shares)', where);
      raw = {
        symbols: v.symbols.split(',').map((s) => s.trim()).filter(Boolean),
        ...(v['as-of'] ? { asOf: v['as-of'] } : {}),
        ...(v['lookback-days'] ? { lookbackDays: num('lookback-days', v['lookback-days']) } : {}),
        returns: { model: (v.returns ?? 'mean_historical') as never, ...(v['model-run'] ? { modelTrainingRunId: v['model-run'] } : {}), ...(v.market ? { market: v.market } : {}) },
        risk: { model: (v.risk ?? 'sample_cov') as never },
        objective: {
          kind: (v.objective ?? 'max_sharpe') as never, targetReturn: num('target-return', v['target-return']), targetVolatility: num('target-volatility', v['target-volatility']),
          riskAversion: num('risk-aversion', v['risk-aversion']), beta: num('beta', v.beta),
        },
        constraints: {
          ...extra,
          ...(v.bounds ? { weightBounds: bounds(v.bounds) } : {}),
          ...(v['market-neutral'] ? { marketNeutral: true } : {}),
          ...(v['max-holdings'] ? { maxHoldings: num('max-holdings', v['max-holdings']) } : {}),
          ...(v.l2 ? { l2Gamma: num('l2', v.l2) } : {}),
          ...(v.turnover !== undefined ? { turnover: { max: num('turnover', v.turnover)!, portfolioId: v.current! } } : {}),
        },
        ...(v['risk-free'] ? { riskFreeRate: num('risk-free', v['risk-free']) } : {}),
        ...(v['frontier-points'] ? { frontierPoints: num('frontier-points', v['frontier-points']) } : {}),
        ...(budget !== undefined ? { allocation: { budget, method: (v.method ?? 'greedy') as never, ...(v.book ? { portfolioId: v.book } : {}) } } : {}),
      };
    }
    const input = checkInput(optimizeInputSchema, JSON.parse(JSON.stringify(raw)), where);
    const workflowId = v['workflow-id'] ?? `tickflow-optimize-${crypto.randomUUID().slice(0, 8)}`;
    return withRuntime({ temporal: true, migrate: true }, async (rt) => {
      let status = 'optimal';
      const code = await startAndFollow({
        rt, workflow: optimizePortfolio, input, workflowId, json, wait: true, noWorker: Boolean(v['no-worker']),
        summary: (s) => ((status = s.optimization.status), summary(s)),
        jsonResult: (s, meta) => ((status = s.optimization.status), { ...meta, status: s.optimization.status, ...s }),
      });
      return code === 0 && status !== 'optimal' ? 1 : code;
    }, json);
  }
  if (action === 'list') {
    return withRuntime({ migrate: true }, async ({ dataSource }) => {
      const rows = await new OptimizationRepository(dataSource).list(Number(num('limit', v.limit) ?? 20));
      const marks = await staleMarks(dataSource, rows.map((r) => r.id));
      if (json) out(JSON.stringify(rows.map((r) => ({ ...r, stale: marks.filter((m) => m.key === r.id) })), null, 2));
      else if (rows.length === 0) out('no optimizations yet (tickflow optimize run)');
      else {
        for (const r of rows) {
          const stale = staleNote(marks.filter((m) => m.key === r.id));
          out(`${r.id}  ${r.asOf}  ${r.objective.padEnd(22)} ${r.status.padEnd(10)} return ${pct(r.expectedReturn)}  vol ${pct(r.volatility)}  ${r.symbols.length} symbols${stale ? `  ${stale}` : ''}`);
        }
      }
      return 0;
    }, json);
  }
  if (action !== 'show' && action !== 'frontier') throw new InputError(`unknown action "${action}" (run, show, frontier or list)`, 'tickflow optimize');
  if (!id) throw new InputError('needs an optimization id (tickflow optimize list)', where);
  return withRuntime({ migrate: true }, async ({ dataSource }) => {
    const r = await new OptimizationRepository(dataSource).get(id);
    if (!r) {
      err(`no portfolio optimization ${id}`);
      return 1;
    }
    const outputs = r.outputs as { frontier?: FrontierPoint[]; warnings?: string[]; mu?: Record<string, number>; assetVolatility?: Record<string, number> };
    if (action === 'frontier') {
      const frontier = outputs.frontier ?? [];
      if (json) out(JSON.stringify({ id: r.id, asOf: r.asOf, frontier }, null, 2));
      else if (frontier.length === 0) out(`optimization ${r.id} stored no frontier (objective ${r.objective}, status ${r.status})`);
      else {
        out(`efficient frontier of ${r.id} (as of ${r.asOf}, ${frontier.length} points)\n  expected return  volatility  Sharpe`);
        for (const p of frontier) out(`  ${pct(p.expectedReturn).padStart(15)}  ${pct(p.volatility).padStart(10)}  ${p.sharpe.toFixed(3).padStart(6)}`);
      }
      return 0;
    }
    if (v.html) {
      const file = path.resolve(v.html);
      const assets = r.symbols.filter((s) => outputs.mu?.[s] !== undefined && outputs.assetVolatility?.[s] !== undefined)
        .map((s) => ({ symbol: s, expectedReturn: outputs.mu![s], volatility: outputs.assetVolatility![s] }));
      fs.writeFileSync(file, optimizationReport(r, assets));
      if (!json) err(`· report written to ${file}`);
    }
    const marks = await staleMarks(dataSource, [r.id]);
    if (json) out(JSON.stringify({ ...r, stale: marks }, null, 2));
    else {
      for (const l of lines(r, outputs.warnings ?? [])) out(l);
      for (const m of marks) out(`  STALE           ${m.scope === '*' ? 'its turnover portfolio was rebooked' : `${m.scope} revised`} from ${m.staleFrom.slice(0, 10)} (${m.cause.input}${m.cause.pipelineRunId ? `, run ${m.cause.pipelineRunId}` : ''}): run the optimization again`);
    }
    return 0;
  }, json);
}

/** Open stale marks of these optimizations (a revised input since they ran). */
const staleMarks = (ds: DataSource, ids: string[]): Promise<StaleScope[]> =>
  ids.length === 0 ? Promise.resolve([]) : new DerivedStalenessRepository(ds).open({ kind: 'portfolio_optimization', keys: ids });

const staleNote = (marks: StaleScope[]): string => (marks.length === 0 ? '' : `STALE from ${marks[0].staleFrom.slice(0, 10)}`);

export const optimizeCommand: Command = {
  name: 'optimize', summary: 'optimise a portfolio (mean-variance, HRP, risk parity, min CVaR), allocate shares and book them; show runs and frontiers',
  help, actions: ['run', 'show', 'frontier', 'list'], run,
};
