// The quality stage: rules evaluated inside PostgreSQL, results stored, the gate decision recorded on the run.
import { Context } from '@temporalio/activity';
import { toRuleSpec } from '../src/quality/custom-rules';
import { evaluateRules } from '../src/quality/run-quality';
import { defaultRules } from '../src/quality/rules';
import { QualityRepository } from '../src/repositories/quality-repository';
import { RunRepository } from '../src/repositories/run-repository';
import type { QualityArgs, QualityResult } from '../src/contracts/activities';
import { checkDateRange, type ActivityDeps } from './deps';
import { lineageStep } from './lineage-step';

export function createQualityActivities(deps: ActivityDeps) {
  const ds = deps.dataSource;
  const runs = new RunRepository(ds);
  const quality = new QualityRepository(ds);
  return {
    async runQualityChecks(args: QualityArgs): Promise<QualityResult> {
      checkDateRange(args);
      const info = Context.current().info;
      // Users' rules are read before the transaction: a rule added mid-run waits for the next run.
      const rules = [...defaultRules, ...(await quality.listCustomRules()).map(toRuleSpec)];
      return lineageStep(ds, runs, args.pipelineRunId, async (em) => {
        const verdict = await evaluateRules(em, rules, {
          symbols: args.symbols, interval: args.interval, from: args.from, to: args.to, featureSetVersion: args.featureSetVersion,
        }, { pipelineRunId: args.pipelineRunId, workflowId: info.workflowExecution!.workflowId });
        const resultIds = verdict.outcomes.map((o) => o.id);
        const gate = { decision: verdict.blockingFailures.length === 0 ? 'pass' : 'block', blockingFailures: verdict.blockingFailures, warnings: verdict.warnings, validationResultIds: resultIds };
        await runs.setGate(em, args.pipelineRunId, gate);
        await runs.addCounts(em, args.pipelineRunId, { validations: verdict.outcomes.length, qualityFailures: verdict.blockingFailures.length + verdict.warnings.length });
        const rowsChecked = verdict.outcomes.reduce((a, o) => a + o.rowsChecked, 0);
        return {
          result: {
            rulesEvaluated: verdict.outcomes.length, passed: verdict.outcomes.filter((o) => o.passed).length,
            blockingFailures: verdict.blockingFailures, warnings: verdict.warnings, resultIds,
          },
          inputDatasets: [
            `price_data:${args.interval}:${args.symbols.join(',')}:${args.from}..${args.to}`,
            `feature_data:${args.featureSetVersion}:${args.interval}:${args.symbols.join(',')}:${args.from}..${args.to}`,
          ],
          outputDataset: `validation_result:pipeline_run=${args.pipelineRunId}`,
          rowsIn: rowsChecked,
          rowsOut: verdict.outcomes.length,
          details: { gate },
        };
      });
    },
  };
}
