// Activities are built by factories over their dependencies, one module per stage, so the worker passes real
// dependencies and tests can too. Workflows see only the type: `proxyActivities<Activities>()`.
import { configSecrets, scrubbingSecrets } from '../src/security/redact';
import type { ActivityDeps } from './deps';
import { createDocumentActivities } from './documents';
import { createExportActivities } from './export';
import { createFeatureActivities } from './features';
import { createImportActivities } from './import';
import { createModelActivities } from './models';
import { createOptimizeActivities } from './optimize';
import { createRunActivities } from './pipeline-runs';
import { createPortfolioActivities } from './portfolio';
import { createQualityActivities } from './quality';
import { createRiskActivities } from './risk';

export type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps) {
  // Whatever an activity throws ends up in the workflow's history and the worker's log: no configured secret may.
  return scrubbingSecrets({
    ...createRunActivities(deps),
    ...createImportActivities(deps),
    ...createFeatureActivities(deps),
    ...createQualityActivities(deps),
    ...createExportActivities(deps),
    ...createModelActivities(deps),
    ...createPortfolioActivities(deps),
    ...createRiskActivities(deps),
    ...createOptimizeActivities(deps),
    ...createDocumentActivities(deps),
  }, configSecrets(deps.config));
}

export type Activities = ReturnType<typeof createActivities>;
