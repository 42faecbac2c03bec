// What activities need from the process that hosts them; src/worker.ts's activityDeps builds it (worker, CLI, tests).
import type { DataSource } from 'typeorm';
import type { Config } from '../src/config';
import { parseIsoDate } from '../src/contracts/dates';
import { InputError } from '../src/contracts/errors';
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

/** Midnight UTC of a YYYY-MM-DD day; a day that does not exist is an InputError naming `field`. */
export function dayStart(date: string, field = 'from'): Date {
  const day = parseIsoDate(date);
  if (!day.ok) throw new InputError(day.reason, field);
  return new Date(day.ms);
}

/** The last millisecond (UTC) of a YYYY-MM-DD day. */
export const dayEnd = (date: string, field = 'to'): Date => new Date(dayStart(date, field).getTime() + 86_400_000 - 1);

/** An activity's from/to: days that exist, in order. Workflows check their input; this guards direct callers. */
export function checkDateRange(args: { from: string; to: string }): void {
  if (dayStart(args.from) > dayEnd(args.to)) throw new InputError(`${args.from} is after to (${args.to})`, 'from');
}
