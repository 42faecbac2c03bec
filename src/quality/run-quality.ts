// Evaluates rules in PostgreSQL and records every result; the gate decision is derived from the stored results.
import type { EntityManager } from 'typeorm';
import { summarySql, type QualityScope, type RuleSpec } from './rules';

export interface RuleOutcome {
  id: string;
  rule: string;
  severity: 'warn' | 'error';
  blocking: boolean;
  passed: boolean;
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

export async function evaluateRules(
  em: EntityManager,
  rules: RuleSpec[],
  scope: QualityScope,
  ids: { pipelineRunId: string | null; workflowId: string | null },
): Promise<QualityVerdict> {
  const params = [scope.symbols, scope.interval, `${scope.from}T00:00:00Z`, `${scope.to}T23:59:59.999Z`, scope.featureSetVersion ?? null];
  const outcomes: RuleOutcome[] = [];
  for (const rule of rules) {
    if (rule.targetTable === 'feature_data' && !scope.featureSetVersion) continue;
    const text = summarySql(rule);
    // PostgreSQL refuses bind parameters a statement does not use; pass exactly those it references.
    const used = Math.max(0, ...[...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
    const [row] = await em.query(text, params.slice(0, used));
    const checked = Number(row.checked);
    const failing = Number(row.failing);
    const observed = checked === 0 ? 0 : failing / checked;
    const passed = observed <= rule.maxFailingShare;
    const [saved] = await em.query(
      `INSERT INTO validation_result
        (pipeline_run_id, workflow_id, rule, target_table, scope, severity, blocking, passed, observed, threshold, rows_checked, failing_rows, sample)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
      [ids.pipelineRunId, ids.workflowId, rule.name, rule.targetTable, JSON.stringify(scope), rule.severity, rule.blocking, passed,
        observed, rule.maxFailingShare, checked, failing, JSON.stringify(row.sample)],
    );
    outcomes.push({
      id: String(saved.id), rule: rule.name, severity: rule.severity, blocking: rule.blocking, passed, observed,
      threshold: rule.maxFailingShare, rowsChecked: checked, failingRows: failing,
    });
  }
  return {
    outcomes,
    blockingFailures: outcomes.filter((o) => !o.passed && o.blocking && o.severity === 'error').map((o) => o.rule),
    warnings: outcomes.filter((o) => !o.passed && !(o.blocking && o.severity === 'error')).map((o) => o.rule),
  };
}
