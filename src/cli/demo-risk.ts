// The demo's risk step: VaR and ES of portfolio "demo" by every method over the last 250 valued sessions, backtested,
// and the last day's 1-day 99 % VaR and ES by method printed beside the portfolio summary.
import crypto from 'node:crypto';
import { RISK_METHOD_NAMES, type RiskMethodName } from '../contracts/risk';
import { RiskRepository, type VarRow } from '../repositories/risk-repository';
import type { Runtime } from '../runtime';
import { riskRun, type RiskRunSummary } from '../../workflows/risk';
import { DEMO_PORTFOLIO } from './demo-portfolio';
import { startAndFollow } from './follow';

const money = (x: number | null) => (x === null ? '-' : x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));

export async function runDemoRisk(rt: Runtime, noWorker: boolean): Promise<number> {
  let latest: VarRow[] = [];
  return startAndFollow({
    rt, workflow: riskRun, input: { portfolioId: DEMO_PORTFOLIO }, workflowId: `tickflow-risk-demo-${crypto.randomUUID().slice(0, 8)}`, json: false, wait: true, noWorker,
    beforeSummary: async (s: RiskRunSummary) => {
      latest = (await new RiskRepository(rt.dataSource).varRows(s.portfolioId, { from: s.to, to: s.to, level: 0.99, horizon: 1 }))
        .sort((a, b) => RISK_METHOD_NAMES.indexOf(a.method as RiskMethodName) - RISK_METHOD_NAMES.indexOf(b.method as RiskMethodName));
    },
    summary: (s: RiskRunSummary) => {
      const zone = new Map((s.backtest?.backtests ?? []).filter((b) => b.level === 0.99 && b.horizon === 1).map((b) => [b.method, b]));
      return [
        `\n✓ risk of portfolio ${s.portfolioId}: ${s.risk.rows} VaR rows over ${s.from} … ${s.to} (docs/risk.md)`,
        `  1-day 99% VaR and ES at the close of ${s.to}, and the Basel traffic light of ${zone.values().next().value?.observations ?? 0} days:`,
        ...latest.map((r) => {
          const b = zone.get(r.method);
          return `  ${r.method.padEnd(24)} VaR ${money(r.var).padStart(10)}  ES ${money(r.es).padStart(10)}${r.status === 'fallback' ? ' (fallback: historical)' : ''}`
            + (b ? `  ${b.exceptions} exceptions, ${b.trafficLight}` : '');
        }),
        `  report          npx tickflow risk report ${s.portfolioId}`,
      ].join('\n');
    },
  });
}
