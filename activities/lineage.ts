// Lineage from history: checks that DataLineage rows mirror a run's Temporal history exactly, and walks the
// dataset graph the rows form. Pure functions over rows and history events; the CLI supplies both.
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { isIsoDate } from '../src/contracts/dates';
import { InputError } from '../src/contracts/errors';
import type { LineageEdge, RunRepository } from '../src/repositories/run-repository';

/**
 * Activity types that write no data (PipelineRun bookkeeping, look-ups, planning). Every other activity writes its
 * data and one DataLineage row in one transaction (lineageStep), so a new data activity is checked by default.
 */
export const NO_LINEAGE_ACTIVITY_TYPES = new Set([
  'startPipelineRun', 'finishPipelineRun', 'completedRunCounts', 'linkChildRun', 'storedPriceRange', 'resolveUniverse', 'planFeatureRecompute',
]);

export interface LineageRowKey {
  activityId: string;
  activityType: string;
  attempt: number;
}

export interface ReconcileReport {
  /** Completed lineage activities in the history. */
  completed: number;
  rows: number;
  problems: string[];
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/**
 * Every completed lineage activity in `events` has exactly one row, from an attempt no later than the one that
 * completed (an attempt that committed but died before reporting is the one a retry returns); and no row exists
 * for an activity that did not complete (a failed, timed-out or cancelled attempt leaves nothing behind).
 */
export function reconcileExecution(events: HistoryEvent[], rows: LineageRowKey[]): ReconcileReport {
  const scheduled = new Map<string, { activityId: string; activityType: string }>();
  const startedAttempt = new Map<string, number>();
  const completed = new Map<string, { activityType: string; attempt: number }>();
  for (const e of events) {
    const id = String(e.eventId);
    if (e.activityTaskScheduledEventAttributes) {
      const a = e.activityTaskScheduledEventAttributes;
      scheduled.set(id, { activityId: a.activityId ?? '', activityType: a.activityType?.name ?? '' });
    } else if (e.activityTaskStartedEventAttributes) {
      startedAttempt.set(id, e.activityTaskStartedEventAttributes.attempt ?? 1);
    } else if (e.activityTaskCompletedEventAttributes) {
      const a = e.activityTaskCompletedEventAttributes;
      const s = scheduled.get(String(a.scheduledEventId));
      if (s && !NO_LINEAGE_ACTIVITY_TYPES.has(s.activityType)) {
        completed.set(s.activityId, { activityType: s.activityType, attempt: startedAttempt.get(String(a.startedEventId)) ?? 1 });
      }
    }
  }
  const problems: string[] = [];
  const byActivity = new Map<string, LineageRowKey[]>();
  for (const r of rows) byActivity.set(r.activityId, [...(byActivity.get(r.activityId) ?? []), r]);
  for (const [activityId, c] of completed) {
    const found = byActivity.get(activityId) ?? [];
    if (found.length !== 1) problems.push(`activity #${activityId} (${c.activityType}) completed but has ${found.length} lineage rows`);
    else if (found[0].activityType !== c.activityType) problems.push(`activity #${activityId}: history says ${c.activityType}, lineage says ${found[0].activityType}`);
    else if (found[0].attempt > c.attempt) problems.push(`activity #${activityId} (${c.activityType}): lineage row from attempt ${found[0].attempt}, history completed attempt ${c.attempt}`);
  }
  for (const r of rows) {
    if (!completed.has(r.activityId)) problems.push(`lineage row for activity #${r.activityId} (${r.activityType}, attempt ${r.attempt}) that did not complete in the history`);
  }
  return { completed: completed.size, rows: rows.length, problems };
}

/** A dataset reference split into what overlap matching needs; opaque references match only themselves. */
interface ParsedDataset {
  family: string;
  symbols: Set<string>;
  from: string;
  to: string;
}

/** `price_data:<interval>:<symbols>:<from>..<to>` and `feature_data:<version>:<interval>:<symbols>:<from>..<to>`. */
export function parseDataset(ref: string): ParsedDataset | null {
  const parts = ref.split(':');
  const range = /^(.+)\.\.(.+)$/.exec(parts[parts.length - 1] ?? '');
  const shape = { price_data: 4, feature_data: 5 }[parts[0]];
  if (!range || !shape || parts.length !== shape) return null;
  const norm = (d: string, end: boolean) => (isIsoDate(d) ? d : end ? '9999-12-31' : '0001-01-01');
  return { family: parts.slice(0, shape - 2).join(':'), symbols: new Set(parts[shape - 2].split(',')), from: norm(range[1], false), to: norm(range[2], true) };
}

/** Does data written as `produced` feed a read of `read`? Same family, a shared symbol, overlapping dates. */
export function datasetsConnect(produced: string, read: string): boolean {
  if (produced === read) return true;
  const a = parseDataset(produced);
  const b = parseDataset(read);
  if (!a || !b || a.family !== b.family || a.from > b.to || b.from > a.to) return false;
  for (const s of a.symbols) if (b.symbols.has(s)) return true;
  return false;
}

export interface LineageNode {
  dataset: string;
  depth: number;
  /** The activity that produced (upstream) or consumed (downstream) this dataset; absent for the start and sources. */
  via?: { activityType: string; workflowType: string; workflowId: string; runId: string; pipelineRunId: string; rowsOut: number; contentHash: string | null };
  children: LineageNode[];
}

export interface LineageAnswer {
  roots: LineageNode[];
  /** Distinct executions met on the way. */
  runs: { pipelineRunId: string; workflowType: string; workflowId: string; runId: string }[];
  /** Upstream: datasets nothing in the lineage produced (files, providers). Downstream: datasets nothing read. */
  ends: string[];
}

/** Walks the dataset graph from `start` datasets, `depth` activity hops at most, never visiting an edge twice. */
export function walkLineage(edges: LineageEdge[], start: string[], direction: 'upstream' | 'downstream', depth: number): LineageAnswer {
  const runs = new Map<string, LineageAnswer['runs'][number]>();
  const ends = new Set<string>();
  const seen = new Set<string>();
  // Data flows forward in time: a producer committed before the step that read it, a consumer after the producer.
  const next = (dataset: string, at: Date | undefined): { edge: LineageEdge; dataset: string }[] =>
    direction === 'upstream'
      ? edges.filter((e) => (!at || new Date(e.createdAt) <= at) && datasetsConnect(e.outputDataset, dataset))
        .flatMap((e) => e.inputDatasets.map((d) => ({ edge: e, dataset: d })))
      : edges.filter((e) => (!at || new Date(e.createdAt) >= at) && e.inputDatasets.some((d) => datasetsConnect(dataset, d)))
        .map((e) => ({ edge: e, dataset: e.outputDataset }));
  const expand = (node: LineageNode, at?: Date): void => {
    const steps = next(node.dataset, at);
    if (steps.length === 0) ends.add(node.dataset);
    if (node.depth >= depth) return;
    for (const { edge, dataset } of steps) {
      const key = `${edge.id}>${dataset}`;
      if (seen.has(key)) continue;
      seen.add(key);
      runs.set(edge.pipelineRunId, { pipelineRunId: edge.pipelineRunId, workflowType: edge.workflowType, workflowId: edge.workflowId, runId: edge.runId });
      const child: LineageNode = {
        dataset, depth: node.depth + 1, children: [],
        via: {
          activityType: edge.activityType, workflowType: edge.workflowType, workflowId: edge.workflowId, runId: edge.runId,
          pipelineRunId: edge.pipelineRunId, rowsOut: edge.rowsOut, contentHash: edge.contentHash,
        },
      };
      node.children.push(child);
      expand(child, new Date(edge.createdAt));
    }
  };
  const roots = start.map((dataset) => ({ dataset, depth: 0, children: [] }) as LineageNode);
  roots.forEach((r) => expand(r));
  return { roots, runs: [...runs.values()], ends: [...ends].sort() };
}

export interface RunReconcileReport extends ReconcileReport {
  pipelineRunId: string;
  workflowId: string;
  runId: string;
  workflowType: string;
}

/** Reconciles a PipelineRun and, recursively, every run started as its child, against their Temporal histories. */
export async function reconcileRunTree(client: Client, runs: RunRepository, pipelineRunId: string): Promise<RunReconcileReport[]> {
  const reports: RunReconcileReport[] = [];
  const visit = async (id: string): Promise<void> => {
    const run = await runs.get(id);
    if (!run) throw new InputError(`no pipeline run ${id}`, 'lineage reconcile');
    const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    const rows = await runs.lineageOfExecution(run);
    reports.push({ pipelineRunId: run.id, workflowId: run.workflowId, runId: run.runId, workflowType: run.workflowType, ...reconcileExecution(history.events ?? [], rows) });
    for (const child of await runs.children(run.id)) await visit(child.id);
  };
  await visit(pipelineRunId);
  return reports;
}
