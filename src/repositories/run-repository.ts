// Owns all SQL on pipeline_run and data_lineage, the durable mirror of workflow executions and their activities,
// and on database_identity, which names the database that mirror lives in.
import type { DataSource, EntityManager } from 'typeorm';
import type { PipelineRunStatus } from '../../entities/pipeline-run';

export interface ExecutionKey {
  workflowId: string;
  runId: string;
}

export interface StartRun extends ExecutionKey {
  workflowType: string;
  taskQueue: string;
  input: unknown;
  parentRunId?: string | null;
  scheduleId?: string | null;
  nominalTime?: Date | null;
  startedAt: Date;
}

export interface LineageRecord extends ExecutionKey {
  pipelineRunId: string;
  activityId: string;
  activityType: string;
  attempt: number;
  inputDatasets: string[];
  outputDataset: string;
  rowsIn: number;
  rowsOut: number;
  details: Record<string, unknown>;
  contentHash?: string | null;
}

export interface RunRow {
  id: string;
  parentRunId: string | null;
  scheduleId: string | null;
  nominalTime: Date | null;
  workflowId: string;
  runId: string;
  workflowType: string;
  status: PipelineRunStatus;
  input: unknown;
  counts: Record<string, number>;
  gate: unknown;
  error: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

const RUN_COLUMNS = `id, parent_run_id AS "parentRunId", schedule_id AS "scheduleId", nominal_time AS "nominalTime", workflow_id AS "workflowId", run_id AS "runId", workflow_type AS "workflowType", status, input, counts, gate,
  error, started_at AS "startedAt", finished_at AS "finishedAt"`;

export class RunRepository {
  constructor(private readonly ds: DataSource) {}

  /** Idempotent: a retried start returns the row the first attempt created. */
  async start(run: StartRun): Promise<string> {
    const [row] = await this.ds.query(
      `INSERT INTO pipeline_run (workflow_id, run_id, workflow_type, task_queue, parent_run_id, status, input, started_at, schedule_id, nominal_time)
       VALUES ($1, $2, $3, $4, $5, 'running', $6, $7, $8, $9)
       ON CONFLICT (workflow_id, run_id) DO UPDATE SET workflow_id = EXCLUDED.workflow_id
       RETURNING id`,
      [run.workflowId, run.runId, run.workflowType, run.taskQueue, run.parentRunId ?? null, JSON.stringify(run.input ?? null), run.startedAt,
        run.scheduleId ?? null, run.nominalTime ?? null],
    );
    return row.id;
  }

  async finish(id: string, status: PipelineRunStatus, counts: Record<string, number>, error: string | null, finishedAt: Date): Promise<void> {
    await this.ds.query(
      `UPDATE pipeline_run SET status = $2, counts = counts || $3::jsonb, error = $4, finished_at = $5 WHERE id = $1`,
      [id, status, JSON.stringify(counts), error, finishedAt],
    );
  }

  async setGate(em: EntityManager, id: string, gate: unknown): Promise<void> {
    await em.query(`UPDATE pipeline_run SET gate = $2 WHERE id = $1`, [id, JSON.stringify(gate)]);
  }

  async addCounts(em: EntityManager, id: string, counts: Record<string, number>): Promise<void> {
    await em.query(`UPDATE pipeline_run SET counts = counts || $2::jsonb WHERE id = $1`, [id, JSON.stringify(counts)]);
  }

  /** The lineage row of a completed activity, if any: a retry after commit returns the committed result. */
  async findLineage(key: ExecutionKey & { activityId: string }): Promise<LineageRecord | null> {
    const rows = await this.ds.query(
      `SELECT pipeline_run_id AS "pipelineRunId", workflow_id AS "workflowId", run_id AS "runId", activity_id AS "activityId",
              activity_type AS "activityType", attempt, input_datasets AS "inputDatasets", output_dataset AS "outputDataset",
              rows_in::int AS "rowsIn", rows_out::int AS "rowsOut", details, content_hash AS "contentHash"
       FROM data_lineage WHERE workflow_id = $1 AND run_id = $2 AND activity_id = $3`,
      [key.workflowId, key.runId, key.activityId],
    );
    return rows[0] ?? null;
  }

  async recordLineage(em: EntityManager, r: LineageRecord): Promise<void> {
    await em.query(
      `INSERT INTO data_lineage (pipeline_run_id, workflow_id, run_id, activity_id, activity_type, attempt, input_datasets,
         output_dataset, rows_in, rows_out, details, content_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [r.pipelineRunId, r.workflowId, r.runId, r.activityId, r.activityType, r.attempt, JSON.stringify(r.inputDatasets),
        r.outputDataset, r.rowsIn, r.rowsOut, JSON.stringify(r.details), r.contentHash ?? null],
    );
  }

  async get(idOrWorkflowId: string): Promise<RunRow | null> {
    const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrWorkflowId);
    const rows = await this.ds.query(
      `SELECT ${RUN_COLUMNS} FROM pipeline_run WHERE ${isUuid ? 'id = $1' : 'workflow_id = $1'} ORDER BY started_at DESC LIMIT 1`,
      [idOrWorkflowId],
    );
    return rows[0] ?? null;
  }

  async list(limit = 20): Promise<RunRow[]> {
    return this.ds.query(`SELECT ${RUN_COLUMNS} FROM pipeline_run ORDER BY started_at DESC LIMIT $1`, [limit]);
  }

  /**
   * Runs matching every filter given, newest first: status, workflow type, any of `symbols` in the run's input
   * (input.symbols), started on or after `from` and before the day after `to` (UTC dates). For the UI's run list.
   */
  async search(filter: RunFilter): Promise<{ rows: RunRow[]; total: number }> {
    const where = `($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR workflow_type = $2)
      AND ($3::text[] IS NULL OR (jsonb_typeof(input->'symbols') = 'array' AND input->'symbols' ?| $3::text[]))
      AND ($4::date IS NULL OR started_at >= ($4::date)::timestamp AT TIME ZONE 'UTC')
      AND ($5::date IS NULL OR started_at < ($5::date + 1)::timestamp AT TIME ZONE 'UTC')`;
    const params = [filter.status ?? null, filter.workflowType ?? null, filter.symbols?.length ? filter.symbols : null, filter.from ?? null, filter.to ?? null];
    const [rows, [{ total }]] = await Promise.all([
      this.ds.query(`SELECT ${RUN_COLUMNS} FROM pipeline_run WHERE ${where} ORDER BY started_at DESC, id LIMIT $6 OFFSET $7`,
        [...params, filter.limit ?? 50, filter.offset ?? 0]),
      this.ds.query(`SELECT count(*)::int AS total FROM pipeline_run WHERE ${where}`, params),
    ]);
    return { rows, total };
  }

  /** The workflow types that have runs, for the UI's filter. */
  async workflowTypes(): Promise<string[]> {
    const rows: { workflowType: string }[] = await this.ds.query(`SELECT DISTINCT workflow_type AS "workflowType" FROM pipeline_run ORDER BY 1`);
    return rows.map((r) => r.workflowType);
  }

  /** A run's lineage rows in the order they were written (createdAt: when the activity committed). */
  async lineageOf(pipelineRunId: string): Promise<RunLineageRow[]> {
    return this.ds.query(
      `SELECT activity_id AS "activityId", activity_type AS "activityType", attempt, input_datasets AS "inputDatasets",
              output_dataset AS "outputDataset", rows_in::int AS "rowsIn", rows_out::int AS "rowsOut", content_hash AS "contentHash",
              created_at AS "createdAt"
       FROM data_lineage WHERE pipeline_run_id = $1 ORDER BY id`,
      [pipelineRunId],
    );
  }

  /**
   * The id of this database (migration 1732407400000). A database whose identity row was wiped with its data gets a
   * new one: what it no longer records is, for orchestration, not done.
   */
  async databaseId(): Promise<string> {
    await this.ds.query(`INSERT INTO database_identity DEFAULT VALUES ON CONFLICT (singleton) DO NOTHING`);
    const [row] = await this.ds.query(`SELECT id FROM database_identity`);
    return row.id;
  }

  /** Counts of the newest completed run of a workflow id; null when none completed. */
  async completedCounts(workflowId: string): Promise<Record<string, number> | null> {
    const rows = await this.ds.query(
      `SELECT counts FROM pipeline_run WHERE workflow_id = $1 AND status = 'completed' ORDER BY finished_at DESC LIMIT 1`, [workflowId],
    );
    return rows[0]?.counts ?? null;
  }

  async linkParent(workflowId: string, parentRunId: string): Promise<void> {
    await this.ds.query(
      `UPDATE pipeline_run SET parent_run_id = $2 WHERE id = (SELECT id FROM pipeline_run WHERE workflow_id = $1 ORDER BY started_at DESC LIMIT 1)
         AND parent_run_id IS NULL`,
      [workflowId, parentRunId],
    );
  }

  /** The runs started as children of a run. */
  async children(pipelineRunId: string): Promise<RunRow[]> {
    return this.ds.query(`SELECT ${RUN_COLUMNS} FROM pipeline_run WHERE parent_run_id = $1 ORDER BY started_at`, [pipelineRunId]);
  }

  /** Every lineage row of one execution, keyed as the history keys activities. */
  async lineageOfExecution(key: ExecutionKey): Promise<{ activityId: string; activityType: string; attempt: number }[]> {
    return this.ds.query(
      `SELECT activity_id AS "activityId", activity_type AS "activityType", attempt FROM data_lineage WHERE workflow_id = $1 AND run_id = $2 ORDER BY id`,
      [key.workflowId, key.runId],
    );
  }

  /** Lineage rows with their run, for walking the dataset graph. */
  async lineageGraphRows(): Promise<LineageEdge[]> {
    return this.ds.query(
      `SELECT l.id::text AS id, l.pipeline_run_id AS "pipelineRunId", r.workflow_id AS "workflowId", r.run_id AS "runId", r.workflow_type AS "workflowType",
              l.activity_type AS "activityType", l.input_datasets AS "inputDatasets", l.output_dataset AS "outputDataset",
              l.rows_in::bigint::float8 AS "rowsIn", l.rows_out::bigint::float8 AS "rowsOut", l.content_hash AS "contentHash", l.created_at AS "createdAt"
       FROM data_lineage l JOIN pipeline_run r ON r.id = l.pipeline_run_id ORDER BY l.id`,
    );
  }
}

export type RunLineageRow = Pick<LineageRecord, 'activityId' | 'activityType' | 'attempt' | 'inputDatasets' | 'outputDataset' | 'rowsIn' | 'rowsOut'>
  & { contentHash: string | null; createdAt: Date };

export interface RunFilter {
  status?: PipelineRunStatus;
  workflowType?: string;
  symbols?: string[];
  /** UTC dates YYYY-MM-DD, inclusive. */
  from?: string;
  to?: string;
  /** @default 50 */
  limit?: number;
  offset?: number;
}

export interface LineageEdge {
  id: string;
  pipelineRunId: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  activityType: string;
  inputDatasets: string[];
  outputDataset: string;
  rowsIn: number;
  rowsOut: number;
  contentHash: string | null;
  createdAt: Date;
}
