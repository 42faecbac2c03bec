// Activities are built by factories over their dependencies, one module per stage, so the worker passes real
// dependencies and tests can too. Workflows see only the type: `proxyActivities<Activities>()`.
import type { ActivityDeps } from './deps';
import { createDocumentActivities } from './documents';
import { createExportActivities } from './export';
import { createFeatureActivities } from './features';
import { createImportActivities } from './import';
import { createModelActivities } from './models';
import { createRunActivities } from './pipeline-runs';
import { createPortfolioActivities } from './portfolio';
import { createQualityActivities } from './quality';

export type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createRunActivities(deps),
    ...createImportActivities(deps),
    ...createFeatureActivities(deps),
    ...createQualityActivities(deps),
    ...createExportActivities(deps),
    ...createModelActivities(deps),
    ...createPortfolioActivities(deps),
    ...createDocumentActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
