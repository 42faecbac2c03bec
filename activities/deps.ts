// What activities need from the process that hosts them; src/worker.ts's activityDeps builds it (worker, CLI, tests).
import type { DataSource } from 'typeorm';
import type { Config } from '../src/config';
import type { FeatureCache } from '../src/features/feature-cache';

export interface ActivityDeps {
  dataSource: DataSource;
  featureCache: FeatureCache;
  /** Folder of bundled <SYMBOL>.csv price files. */
  dataDir: string;
  exportDir: string;
  /** Provider settings (API keys, base URLs, rate limits) and the rest of the process's configuration. */
  config: Config;
}

export const dayStart = (d: string) => new Date(`${d}T00:00:00Z`);
export const dayEnd = (d: string) => new Date(`${d}T23:59:59.999Z`);
