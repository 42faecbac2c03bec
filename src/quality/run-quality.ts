// Evaluates rules in PostgreSQL and records every result; the gate decision is derived from the stored results.
import type { EntityManager } from 'typeorm';
import { BarContextRepository } from '../repositories/bar-context-repository';
import { QualityRepository, type MeasureOptions, type Measurement } from '../repositories/quality-repository';
import { ruleSqlRefusal } from './rule-sql-policy';
import type { QualityScope, RuleSpec } from './rules';

export interface RuleOutcome {
  id: string;
  rule: string;
  severity: 'warn' | 'error';
  blocking: boolean;
  passed: boolean;
  /** Share of checked rows failing, or the failing-row count for count-tolerance rules. */
  observed: number;
  threshold: number;
  rowsChecked: number;
  failingRows: number;
}

export interface QualityVerdict {
  outcomes: RuleOutcome[];
  /** Blocking error rules that failed: non-empty means no export. */
  blockingFailures: string[];
  warnings: string[];
}

/** Applies a rule's tolerance to what was measured. A rule whose SQL failed never passes. */
export function judge(rule: RuleSpec, m: Measurement): { passed: boolean; observed: number } {
  const observed = rule.tolerance.metric === 'failing_rows' ? m.failing : m.checked === 0 ? 0 : m.failing / m.checked;
  return { passed: !m.error && observed <= rule.tolerance.max, observed };
}

export async function evaluateRules(
  em: EntityManager,
  rules: RuleSpec[],
  scope: QualityScope,
  ids: { pipelineRunId: string | null; workflowId: string | null },
  options: MeasureOptions = {},
): Promise<QualityVerdict> {
  const repo = new QualityRepository(em.connection);
  const applicable = rules.filter((r) => !(r.kind === 'query' && r.needsFeatureSet && !scope.featureSetVersion));
  // Bar rules read the context stored with each bar; bars written outside the importer (plain SQL, COPY) get theirs now.
  if (applicable.some((r) => r.kind === 'bars')) await new BarContextRepository(em.connection).deriveContext(em, scope.symbols, scope.interval);
  // Stored rules are checked again before they run: added before the policy existed, or inserted into the table directly.
  const refused = new Map<string, Measurement>();
  for (const r of applicable) {
    const refusal = r.kind === 'custom' ? await ruleSqlRefusal(r.sql) : undefined;
    if (refusal) refused.set(r.name, { checked: 0, failing: 0, sample: [], bySymbol: {}, error: `refused, not run: the query ${refusal}` });
  }
  const measured = await repo.measure(em, applicable.filter((r) => !refused.has(r.name)), scope, options);
  for (const [name, m] of refused) measured.set(name, m);
  const results = applicable.map((rule) => {
    const m = measured.get(rule.name)!;
    return { rule: rule.name, targetTable: rule.targetTable, severity: rule.severity, blocking: rule.blocking, ...judge(rule, m),
      threshold: rule.tolerance.max, measurement: m };
  });
  const resultIds = await repo.saveResults(em, results, scope, ids);
  const outcomes: RuleOutcome[] = results.map((r, i) => ({
    id: resultIds[i], rule: r.rule, severity: r.severity, blocking: r.blocking, passed: r.passed, observed: r.observed,
    threshold: r.threshold, rowsChecked: r.measurement.checked, failingRows: r.measurement.failing,
  }));
  return {
    outcomes,
    blockingFailures: outcomes.filter((o) => !o.passed && o.blocking && o.severity === 'error').map((o) => o.rule),
    warnings: outcomes.filter((o) => !o.passed && !(o.blocking && o.severity === 'error')).map((o) => o.rule),
  };
}
