// A test workflow that calls one activity through the retry profile production workflows use for it, so a test
// sees exactly the retries (or the single attempt) a real run would.
import { proxyActivities } from '@temporalio/workflow';
import * as profiles from '../../workflows/activity-profiles';

export type ActivityProfile = 'bookkeeping' | 'providerImport' | 'sqlBatch';

export async function callActivity(profile: ActivityProfile, activity: string, args: unknown[]): Promise<unknown> {
  const activities = proxyActivities<Record<string, (...a: unknown[]) => Promise<unknown>>>(profiles[profile]);
  return activities[activity](...args);
}
