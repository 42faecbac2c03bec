// Where an execution sits in the orchestration: its parent PipelineRun (backfill/reprocess children get it in their
// memo) and, for runs a Temporal Schedule started, the schedule id and nominal time. Pure: read from workflowInfo().
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { workflowInfo } from '@temporalio/workflow';

/** Memo key a parent sets on its children so their PipelineRun rows point at the parent's. */
export const PARENT_RUN_MEMO = 'tickflowParentRunId';

// Set by the Temporal server on every workflow a Schedule starts.
const SCHEDULED_BY = defineSearchAttributeKey('TemporalScheduledById', SearchAttributeType.KEYWORD);
const SCHEDULED_AT = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

export interface ExecutionMeta {
  parentRunId?: string;
  scheduleId?: string;
  /** ISO time the schedule meant this run for (not when it actually started). */
  nominalTime?: string;
}

export function executionMeta(): ExecutionMeta {
  const info = workflowInfo();
  const meta: ExecutionMeta = {};
  const parent = info.memo?.[PARENT_RUN_MEMO];
  if (typeof parent === 'string') meta.parentRunId = parent;
  const scheduleId = info.typedSearchAttributes.get(SCHEDULED_BY);
  const nominal = info.typedSearchAttributes.get(SCHEDULED_AT);
  if (scheduleId) meta.scheduleId = scheduleId;
  if (nominal) meta.nominalTime = new Date(nominal).toISOString();
  return meta;
}

/** FNV-1a, 32 bits, hex: a short stable digest for deterministic workflow ids (no crypto in the sandbox needed). */
export function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
