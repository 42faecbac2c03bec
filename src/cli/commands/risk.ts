// `tickflow risk`: VaR and ES of a portfolio by several methods (riskRun, with a worker here), their backtests, and the
// self-contained HTML risk report. Methods, formulas and conventions: docs/risk.md.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { InputError } from '../../contracts/errors';
import { portfolioIdSchema } from '../../contracts/portfolio';
import { RISK_METHOD_NAMES, riskRunInputSchema } from '../../contracts/risk';
import { isoDateSchema } from '../../contracts/schemas';
import { DerivedStalenessRepository } from '../../repositories/derived-staleness-repository';
import { RiskRepository, type VarRow } from '../../repositories/risk-repository';
import { buildRiskReport, renderRiskHtml } from '../../risk/report';
import { riskRun, type RiskRunSummary } from '../../../workflows/risk';
import { checkFlag as flag, parse } from '../args';
import { err, out, usage, withRuntime, type Command } from '../context';
import { checkInput, startAndFollow } from '../follow';

const help = `Usage: tickflow risk var ID [--as-of YYYY-MM-DD | --from YYYY-MM-DD --to YYYY-MM-DD] [options] [--stored] [--json]
       tickflow risk backtest ID [--from YYYY-MM-DD] [--to YYYY-MM-DD] [options] [--stored] [--json]
       tickflow risk report ID [--out FILE] [--run PIPELINE_RUN_ID] [--json]

var        computes VaR and ES (riskRun) for one date (default: the last valued date) or a range, and prints the
           last date's figures by method, level and horizon; --stored only reads what is stored
backtest   computes the range (default: the 250 sessions up to the last valued date) and backtests it: exceptions,
           Kupiec, Christoffersen, Basel traffic light, Acerbi-Szekely ES test; --stored prints the latest stored run
report     writes the HTML risk report of the latest backtest run (default <portfolio>-risk.html), or JSON

options    --methods ${RISK_METHOD_NAMES.join(',')}
           --levels 0.95,0.975,0.99   --horizons 1,10   --window 500 (daily returns)   --covariance sample|ewma
           --paths 10000 --seed 1 --shocks normal|t (Monte Carlo)   --revalue (value the portfolio first)   --no-worker`;

const options = {
  'as-of': { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, methods: { type: 'string' }, levels: { type: 'string' }, horizons: { type: 'string' },
  window: { type: 'string' }, covariance: { type: 'string' }, paths: { type: 'string' }, seed: { type: 'string' }, shocks: { type: 'string' }, revalue: { type: 'boolean' },
  stored: { type: 'boolean' }, out: { type: 'string' }, run: { type: 'string' }, 'no-worker': { type: 'boolean' }, json: { type: 'boolean' },
} as const;

const ACTIONS = ['var', 'backtest', 'report'];
const list = (s: string | undefined) => (s === undefined ? undefined : s.split(',').map((x) => x.trim()).filter(Boolean));
const money = (x: number | null) => (x === null ? '-' : x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
const pct = (l: number) => `${+(l * 100).toFixed(1)}%`;

/** One line per method and horizon: VaR / ES at each level, or why there is none. */
export function varLines(rows: VarRow[]): string[] {
  const lines: string[] = [];
  const keys = [...new Set(rows.map((r) => `${r.method}|${r.horizon}`))];
  for (const key of keys) {
    const [method, horizon] = key.split('|');
    const of = rows.filter((r) => r.method === method && r.horizon === Number(horizon)).sort((a, b) => a.level - b.level);
    const cells = of.map((r) => (r.var === null ? `${pct(r.level)} -` : `${pct(r.level)} VaR ${money(r.var)} ES ${money(r.es)}${r.status === 'fallback' ? ' (fallback)' : ''}`));
    lines.push(`  ${method.padEnd(24)} ${horizon.padStart(2)}d  ${cells.join('  ')}`);
    for (const r of of) if (r.reason && r.status !== 'ok') lines.push(`      ${pct(r.level)}: ${r.reason}`);
  }
  return lines;
}

function backtestLines(s: RiskRunSummary): string[] {
  if (!s.backtest) return [];
  return [
    `  backtests       ${s.backtest.backtests.length} series, ${s.backtest.pnlRows} realised P&L rows; red zone: ${s.backtest.redZone.length ? s.backtest.redZone.join(', ') : 'none'}`,
    ...s.backtest.backtests.map((b) => `    ${b.method.padEnd(24)} ${pct(b.level).padStart(6)} ${String(b.horizon).padStart(2)}d  ${b.exceptions}/${b.observations} exceptions  ${b.trafficLight.padEnd(6)}  Kupiec p ${b.kupiecP.toFixed(3)}  ES ${b.esVerdict}`),
    ...(s.backtest.qualityWarnings.length ? [`  quality         warnings: ${s.backtest.qualityWarnings.join(', ')}`] : []),
  ];
}

async function run(argv: string[]): Promise<number> {
  const { values: v, positionals } = parse(argv, options, 'risk');
  const [action, arg] = positionals;
  if (v.help || !action) return usage(help, v.help);
  if (!ACTIONS.includes(action)) throw new InputError(`unknown action "${action}" (${ACTIONS.join(', ')})`, 'tickflow risk');
  const where = `tickflow risk ${action}`;
  const json = Boolean(v.json);
  const id = flag(portfolioIdSchema, 'portfolio', arg ?? '', where);
  const day = (name: 'as-of' | 'from' | 'to') => (v[name] === undefined ? undefined : flag(isoDateSchema, name, v[name], where));
  const asOf = day('as-of');
  const from = asOf ?? day('from');
  const to = asOf ?? day('to');
  if (asOf && (v.from || v.to)) throw new InputError('give --as-of or --from/--to, not both', where);

  if (action === 'report') {
    return withRuntime({ migrate: true }, async ({ dataSource }) => {
      const data = await buildRiskReport(new RiskRepository(dataSource), id, v.run === undefined ? undefined : flag(z.uuid(), 'run', v.run, where)).catch((e: Error) => {
        throw new InputError(e.message, where);
      });
      if (json) return out(JSON.stringify(data, null, 2)), 0;
      const file = path.resolve(v.out ?? `${id}-risk.html`);
      fs.writeFileSync(file, renderRiskHtml(data));
      out(`✓ risk report of ${id} (${data.from} … ${data.to}): ${file}${data.redZone.length ? `\n  red zone: ${data.redZone.join(', ')}` : ''}`);
      return 0;
    });
  }

  if (v.stored) {
    return withRuntime({ migrate: true }, async ({ dataSource }) => {
      const repo = new RiskRepository(dataSource);
      const marks = await new DerivedStalenessRepository(dataSource).open({ kind: 'var_calculation', keys: [id], interval: '1d' });
      if (marks.length) err(`· VaR rows of ${id} from ${marks[0].staleFrom.slice(0, 10)} on are stale (an input changed): run tickflow risk var ${id} --from ${marks[0].staleFrom.slice(0, 10)}`);
      if (action === 'backtest') {
        const rows = await repo.backtests(id, v.run);
        if (json) out(JSON.stringify(rows, null, 2));
        else if (rows.length === 0) out(`no stored backtests: run tickflow risk backtest ${id}`);
        else for (const b of rows) out(`${b.method.padEnd(24)} ${pct(b.level).padStart(6)} ${String(b.horizon).padStart(2)}d  ${b.from}…${b.to}  ${b.exceptions}/${b.observations} exceptions  ${b.trafficLight}  Kupiec p ${b.kupiecP.toFixed(3)}  CC p ${b.conditionalCoverageP.toFixed(3)}  ES Z2 ${b.esZ2.toFixed(2)} ${b.esVerdict}`);
        return 0;
      }
      const last = await repo.latestVarDate(id, to);
      const rows = last ? await repo.varRows(id, { from: last, to: last }) : [];
      if (json) out(JSON.stringify(rows, null, 2));
      else if (rows.length === 0) out(`no stored VaR rows${to ? ` on or before ${to}` : ''}: run tickflow risk var ${id}`);
      else out([`VaR and ES of ${id} at the close of ${last}`, ...varLines(rows)].join('\n'));
      return 0;
    });
  }

  const num = (name: 'window' | 'paths' | 'seed') => (v[name] === undefined ? undefined : flag(z.coerce.number().int(), name, v[name], where));
  const input = checkInput(riskRunInputSchema, {
    portfolioId: id, ...(from ? { from } : {}), ...(to ? { to } : {}),
    ...(action === 'var' && !from && !to ? { backtest: false } : {}),
    ...(action === 'var' && from && to && from === to ? { backtest: false } : {}),
    ...(v.methods ? { methods: list(v.methods) } : {}),
    ...(v.levels ? { levels: list(v.levels)!.map((x) => flag(z.coerce.number(), 'levels', x, where)) } : {}),
    ...(v.horizons ? { horizons: list(v.horizons)!.map((x) => flag(z.coerce.number().int(), 'horizons', x, where)) } : {}),
    options: {
      ...(num('window') !== undefined ? { window: num('window') } : {}), ...(num('paths') !== undefined ? { paths: num('paths') } : {}),
      ...(num('seed') !== undefined ? { seed: num('seed') } : {}), ...(v.covariance ? { covariance: v.covariance } : {}), ...(v.shocks ? { shocks: v.shocks } : {}),
    },
    revalue: Boolean(v.revalue),
  }, where);
  // `risk var` without a date computes the last valued date only.
  return withRuntime({ temporal: true, migrate: true }, async (rt) => {
    if (action === 'var' && !from && !to) {
      const span = await new RiskRepository(rt.dataSource).valuedSpan(undefined, id);
      if (span) Object.assign(input, { from: span.last, to: span.last });
    }
    let last: VarRow[] = [];
    return startAndFollow({
      rt, workflow: riskRun, input, workflowId: `tickflow-risk-${id}-${crypto.randomUUID().slice(0, 8)}`, json, wait: true, noWorker: Boolean(v['no-worker']),
      summary: (s: RiskRunSummary) => [
        `✓ risk of ${s.portfolioId}: ${s.from} … ${s.to}`,
        `  PipelineRun     ${s.pipelineRunId}`,
        `  rows            ${s.risk.rows} VaR rows over ${s.risk.dates} dates (${s.risk.insufficient} without a number${s.risk.firstReason ? `, e.g. ${s.risk.firstReason}` : ''}; ${s.risk.fallbacks} fallbacks)`,
        `  at the close of ${s.to}`,
        ...varLines(last),
        ...backtestLines(s),
      ].join('\n'),
      jsonResult: (s, meta) => ({ ...meta, status: 'completed', result: s, latest: last }),
      beforeSummary: async (s: RiskRunSummary) => {
        last = await new RiskRepository(rt.dataSource).varRows(s.portfolioId, { from: s.to, to: s.to });
      },
    });
  }, json);
}

export const riskCommand: Command = { name: 'risk', summary: 'value-at-risk and expected shortfall by several methods, backtests and the risk report', help, actions: ACTIONS, run };
