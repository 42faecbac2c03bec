// The quality gate over a scope: every rule (the defaults and users' own) evaluated and stored, and the decision
// recorded on the PipelineRun. Shared by the pipeline's quality stage and `tickflow export`.
import type { EntityManager } from 'typeorm';
import type { MeasureOptions, QualityRepository } from '../repositories/quality-repository';
import type { RunRepository } from '../repositories/run-repository';
import { toRuleSpec } from './custom-rules';
import { defaultRules, type QualityScope, type RuleSpec } from './rules';
import { evaluateRules, type QualityVerdict } from './run-quality';

export interface GateDecision {
  decision: 'pass' | 'block';
  blockingFailures: string[];
  warnings: string[];
  validationResultIds: string[];
}

/** Users' rules are read outside the gate's transaction: a rule added mid-run waits for the next run. */
export async function gateRules(quality: QualityRepository): Promise<RuleSpec[]> {
  return [...defaultRules, ...(await quality.listCustomRules()).map(toRuleSpec)];
}

/** Evaluates `rules` over the scope, stores the results, and records the decision and counts on the run. */
export async function gateScope(
  em: EntityManager, runs: RunRepository, rules: RuleSpec[], scope: QualityScope, ids: { pipelineRunId: string; workflowId: string },
  options: MeasureOptions = {},
): Promise<{ verdict: QualityVerdict; gate: GateDecision }> {
  const verdict = await evaluateRules(em, rules, scope, ids, options);
  const gate: GateDecision = {
    decision: verdict.blockingFailures.length === 0 ? 'pass' : 'block', blockingFailures: verdict.blockingFailures, warnings: verdict.warnings,
    validationResultIds: verdict.outcomes.map((o) => o.id),
  };
  await runs.setGate(em, ids.pipelineRunId, gate);
  await runs.addCounts(em, ids.pipelineRunId, { validations: verdict.outcomes.length, qualityFailures: verdict.blockingFailures.length + verdict.warnings.length });
  return { verdict, gate };
}
