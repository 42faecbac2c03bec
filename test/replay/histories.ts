// Replay helpers: recorded histories must replay against the current workflow code. Histories recorded in the
// orchestration tests are replayed at once; with TICKFLOW_RECORD_HISTORIES=1 they are also saved as fixtures.
// A fixture is JSON: readable facts (type, event sequence) plus the history as protobuf bytes in base64, because
// the SDK's historyToJSON/historyFromJSON fail in this install (two protobufjs copies: "type must be a Type").
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Worker, type ReplayResult } from '@temporalio/worker';
import { installWorkerLogging, workflowBundle } from '../../src/worker';
import { fixturesDir } from '../helpers/services';

export const historiesDir = path.join(fixturesDir, 'histories');

export interface Recorded {
  name: string;
  workflowId: string;
  history: temporal.api.history.v1.IHistory;
}

/** Fetches the history of one execution (the latest run of `workflowId` unless `runId` is given). */
export async function record(client: Client, name: string, workflowId: string, runId?: string): Promise<Recorded> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  if (process.env.TICKFLOW_RECORD_HISTORIES === '1') {
    fs.mkdirSync(historiesDir, { recursive: true });
    const events = history.events ?? [];
    const fixture = {
      workflowType: events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name,
      workflowId,
      eventTypes: events.map((e) => temporal.api.enums.v1.EventType[e.eventType ?? 0]),
      historyProtoBase64: Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('base64'),
    };
    fs.writeFileSync(path.join(historiesDir, `${name}.json`), `${JSON.stringify(fixture, null, 1)}\n`);
  }
  return { name, workflowId, history };
}

export function loadFixtures(): Recorded[] {
  if (!fs.existsSync(historiesDir)) return [];
  return fs.readdirSync(historiesDir).filter((f) => f.endsWith('.json')).sort().map((f) => ({
    name: f.slice(0, -5),
    workflowId: `replay-${f.slice(0, -5)}`,
    history: temporal.api.history.v1.History.decode(Buffer.from(JSON.parse(fs.readFileSync(path.join(historiesDir, f), 'utf8')).historyProtoBase64, 'base64')),
  }));
}

/** Replays every history with the current workflow bundle; returns "<name>: <error>" for each that failed. */
export async function replayAll(histories: Recorded[]): Promise<string[]> {
  installWorkerLogging('WARN');
  const byId = new Map(histories.map((h) => [h.workflowId, h.name]));
  const failures: string[] = [];
  const results: AsyncIterable<ReplayResult> = Worker.runReplayHistories(
    { workflowBundle: await workflowBundle() },
    histories.map((h) => ({ workflowId: h.workflowId, history: h.history })),
  );
  for await (const r of results) if (r.error) failures.push(`${byId.get(r.workflowId)}: ${r.error.message}`);
  return failures;
}
