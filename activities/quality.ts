// The quality stage: rules evaluated inside PostgreSQL, results stored, the gate decision recorded on the run.
import { Context } from '@temporalio/activity';
import { gateRules, gateScope } from '../src/quality/gate';
import { seriesOf } from '../src/contracts/dataset-ref';
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
      const rules = await gateRules(quality);
      return lineageStep(ds, runs, args.pipelineRunId, async (em) => {
        const { verdict, gate } = await gateScope(em, runs, rules, {
          symbols: args.symbols, interval: args.interval, from: args.from, to: args.to, featureSetVersion: args.featureSetVersion,
        }, { pipelineRunId: args.pipelineRunId, workflowId: info.workflowExecution!.workflowId }, { customRules: deps.config.customRules });
        const resultIds = gate.validationResultIds;
        const rowsChecked = verdict.outcomes.reduce((a, o) => a + o.rowsChecked, 0);
        return {
          result: {
            rulesEvaluated: verdict.outcomes.length, passed: verdict.outcomes.filter((o) => o.passed).length,
            blockingFailures: verdict.blockingFailures, warnings: verdict.warnings, resultIds,
          },
          inputDatasets: [{ kind: 'price_data', ...seriesOf(args) }, { kind: 'feature_data', version: args.featureSetVersion, ...seriesOf(args) }],
          outputDataset: { kind: 'validation_result', pipelineRunId: args.pipelineRunId },
          rowsIn: rowsChecked,
          rowsOut: verdict.outcomes.length,
          details: { gate },
        };
      });
    },
  };
}
